// keep/min_free of the `nfs` transport against a real nfs-ganesha on loopback (NFSv3 and v4).
#include <gtest/gtest.h>

#include <filesystem>

#include "nfs_transport.h"
#include "tests/unit/nfs/nfs_server_suite.h"
#include "tests/unit/retention/retention_layout.h"

namespace {

using namespace kdf;
using namespace kdf_test;
namespace fs = std::filesystem;

TargetConfig nfs_target(const std::string& url, std::map<std::string, std::string> more) {
    TargetConfig t;
    t.name = "nas";
    t.type = "nfs";
    t.options["url"] = OptionValue{url, ""};
    t.options["reserve"] = OptionValue{"0", ""};
    set_rule_options(t, more, "kdf.conf:5");
    return t;
}

class NfsRetention : public NfsServerSuite {
protected:
    // A fresh directory below the export for each case, and its nfs:// URL.
    std::string fresh(const std::string& name) {
        const std::string dir = server().dir_of("/export") + "/" + name;
        fs::create_directory(dir);
        return dir;
    }
};

TEST_F(NfsRetention, KeepOverNfs3RemovesOnlyThisHostsOldestCompleteDumps) {
    const std::string dir = fresh("keep3");
    const auto mine = make_retention_layout(dir);
    nfs::NfsTransport t;
    auto sink = t.open(nfs_target(server().url("/export"), {{"path", "/keep3"}, {"keep", "3"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string() << "\n" << server().log();
    const auto after = entries(dir);
    EXPECT_FALSE(has(after, mine[0]));
    EXPECT_FALSE(has(after, mine[1]));
    EXPECT_TRUE(has(after, mine[2]));
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
    EXPECT_TRUE(fs::exists(dir + "/.elsewhere/vmcore"));
    EXPECT_EQ(write_and_commit(*sink.value()), "");
    EXPECT_TRUE(fs::exists(dir + "/" + next_dump().dir_name + "/vmcore"));
}

TEST_F(NfsRetention, MinFreeOverNfs4UsesTheServersFreeSpace) {
    const std::string dir = fresh("minfree4");
    const auto mine = make_retention_layout(dir);
    nfs::NfsTransport t;
    auto sink = t.open(nfs_target(server().url("/export", 4), {{"path", "/minfree4"}, {"min_free", "1000000T"}}),
                       next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string() << "\n" << server().log();
    const auto after = entries(dir);
    for (size_t i = 0; i + 1 < mine.size(); ++i) EXPECT_FALSE(has(after, mine[i])) << mine[i];
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
}

}  // namespace
