// keep/min_free of the `local` transport on a real directory, through LocalTransport::open().
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kdf/retention.h"
#include "local_transport.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/retention/retention_layout.h"

namespace {

using namespace kdf;
using namespace kdf_test;
namespace fs = std::filesystem;

TargetConfig local_target(const std::string& path, std::map<std::string, std::string> more) {
    TargetConfig t;
    t.name = "disk";
    t.type = "local";
    t.where = "kdf.conf:7";
    t.options["path"] = OptionValue{path, "kdf.conf:9"};
    t.options["reserve"] = OptionValue{"0", ""};
    set_rule_options(t, more, "kdf.conf:10");
    return t;
}

TEST(LocalRetention, KeepRemovesOnlyThisHostsOldestCompleteDumps) {
    kdf::test::TempDir dir("kdf-retention");
    const auto mine = make_retention_layout(dir.path());
    local::LocalTransport t;
    // keep = 3: two old dumps stay beside the new one, the two oldest complete ones go.
    auto sink = t.open(local_target(dir.path(), {{"keep", "3"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto after = entries(dir.path());
    EXPECT_FALSE(has(after, mine[0]));
    EXPECT_FALSE(has(after, mine[1]));
    EXPECT_TRUE(has(after, mine[2]));
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
    EXPECT_TRUE(fs::exists(dir.path() + "/.elsewhere/vmcore")) << "a link's target is never touched";
    EXPECT_EQ(write_and_commit(*sink.value()), "");
    EXPECT_TRUE(fs::exists(dir.path() + "/" + next_dump().dir_name + "/vmcore"));
}

TEST(LocalRetention, KeepOneNeverRemovesTheNewestBeforeTheNewDumpIsWritten) {
    kdf::test::TempDir dir("kdf-retention");
    const auto mine = make_retention_layout(dir.path());
    local::LocalTransport t;
    auto sink = t.open(local_target(dir.path(), {{"keep", "1"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto after = entries(dir.path());
    for (size_t i = 0; i + 1 < mine.size(); ++i) EXPECT_FALSE(has(after, mine[i])) << mine[i];
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
}

TEST(LocalRetention, MinFreeRemovesOldestWhileShortButNeverTheNewest) {
    kdf::test::TempDir dir("kdf-retention");
    const auto mine = make_retention_layout(dir.path());
    local::LocalTransport t;
    // No filesystem here has an exabyte free: every candidate goes, the protected ones stay.
    auto sink = t.open(local_target(dir.path(), {{"min_free", "1000000T"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto after = entries(dir.path());
    for (size_t i = 0; i + 1 < mine.size(); ++i) EXPECT_FALSE(has(after, mine[i])) << mine[i];
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
}

TEST(LocalRetention, NothingIsRemovedWithoutKeepOrMinFree) {
    kdf::test::TempDir dir("kdf-retention");
    make_retention_layout(dir.path());
    const auto before = entries(dir.path());
    local::LocalTransport t;
    auto sink = t.open(local_target(dir.path(), {}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    auto after = entries(dir.path());
    after.erase(std::remove(after.begin(), after.end(), next_dump().dir_name), after.end());
    EXPECT_EQ(after, before);
}

TEST(LocalRetention, ADumpDirectoryHoldingMoreThanFilesIsKeptWholeAndTheNextOneGoes) {
    kdf::test::TempDir dir("kdf-retention");
    const auto mine = make_retention_layout(dir.path());
    fs::create_directory(dir.path() + "/" + mine[0] + "/analysis");
    local::LocalTransport t;
    // keep = 2: one old dump stays; the oldest cannot go, so the next two do.
    ::testing::internal::CaptureStderr();
    auto sink = t.open(local_target(dir.path(), {{"keep", "2"}}), next_dump(), soon());
    const std::string console = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    EXPECT_NE(console.find("local: retention: kept " + dir.path() + "/" + mine[0] + " (cannot remove it: "),
              std::string::npos) << console;
    EXPECT_NE(console.find(mine[0] + "/analysis is not a plain file"), std::string::npos) << console;
    EXPECT_TRUE(fs::exists(dir.path() + "/" + mine[0] + "/vmcore")) << "nothing of a kept directory is removed";
    EXPECT_TRUE(fs::exists(dir.path() + "/" + mine[0] + "/vmcore-dmesg.txt"));
    EXPECT_FALSE(fs::exists(dir.path() + "/" + mine[1]));
    EXPECT_FALSE(fs::exists(dir.path() + "/" + mine[2]));
    EXPECT_TRUE(fs::exists(dir.path() + "/" + mine[3] + "/vmcore"));
    EXPECT_EQ(write_and_commit(*sink.value()), "");
}

TEST(LocalRetention, BadValuesAndRawModeAreRefusedWithTheirLine) {
    local::LocalTransport t;
    Status s = t.check(local_target("/var/crash", {{"keep", "-2"}}));
    EXPECT_EQ(s.code(), Code::invalid_config);
    EXPECT_NE(s.to_string().find("kdf.conf:10: local: keep '-2' is not a count"), std::string::npos) << s.to_string();
    s = t.check(local_target("/var/crash", {{"min_free", "lots"}}));
    EXPECT_NE(s.to_string().find("min_free 'lots' is not a size"), std::string::npos) << s.to_string();

    TargetConfig raw;
    raw.name = "disk";
    raw.type = "local";
    raw.options["mode"] = OptionValue{"raw", ""};
    raw.options["device"] = OptionValue{"/dev/vdb", ""};
    raw.options["keep"] = OptionValue{"3", "kdf.conf:12"};
    s = t.check(raw);
    EXPECT_NE(s.to_string().find("kdf.conf:12: local: keep/min_free apply to mode dir only"), std::string::npos)
        << s.to_string();
}

TEST(LocalRetention, DumpNamesOfAHostAreRecognisedExactly) {
    EXPECT_TRUE(is_dump_of_host("node1-2026-01-02-03:04:05", "node1"));
    EXPECT_TRUE(is_dump_of_host("10.0.2.15-2026-01-02-03:04:05", "10.0.2.15"));
    EXPECT_FALSE(is_dump_of_host("node11-2026-01-02-03:04:05", "node1"));
    EXPECT_FALSE(is_dump_of_host("node1-2026-01-02-03:04:05", "node"));
    EXPECT_FALSE(is_dump_of_host("node1-2026-01-02-03-04-05", "node1"));
    EXPECT_FALSE(is_dump_of_host("node1-2026-01-02-03:04:05.old", "node1"));
    EXPECT_FALSE(is_dump_of_host("202601020304", "node1"));
    EXPECT_FALSE(is_dump_of_host("-2026-01-02-03:04:05", ""));
}

}  // namespace
