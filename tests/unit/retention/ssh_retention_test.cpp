// keep/min_free of the `ssh` transport (mode sftp) against a real OpenSSH sshd on loopback.
#include <gtest/gtest.h>

#include <filesystem>

#include "ssh_transport.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/retention/retention_layout.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

using namespace kdf;
using namespace kdf_test;
namespace fs = std::filesystem;

TargetConfig ssh_target(const Sshd& sshd, const std::string& path, std::map<std::string, std::string> more) {
    TargetConfig t;
    t.name = "remote";
    t.type = "ssh";
    t.where = "kdf.conf:3";
    t.options["host"] = OptionValue{"127.0.0.1", ""};
    t.options["port"] = OptionValue{std::to_string(sshd.port()), ""};
    t.options["identity"] = OptionValue{sshd.client_key(), ""};
    t.options["known_hosts"] = OptionValue{sshd.known_hosts(), ""};
    t.options["path"] = OptionValue{path, ""};
    t.options["reserve"] = OptionValue{"0", ""};
    set_rule_options(t, more, "kdf.conf:5");
    return t;
}

TEST(SshRetention, KeepOverSftpRemovesOnlyThisHostsOldestCompleteDumps) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    kdf::test::TempDir dir("kdf-retention-ssh");
    const auto mine = make_retention_layout(dir.path());
    ssh::SshTransport t;
    auto sink = t.open(ssh_target(sshd, dir.path(), {{"keep", "3"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string() << "\n" << sshd.log();
    const auto after = entries(dir.path());
    EXPECT_FALSE(has(after, mine[0]));
    EXPECT_FALSE(has(after, mine[1]));
    EXPECT_TRUE(has(after, mine[2]));
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
    EXPECT_TRUE(fs::exists(dir.path() + "/.elsewhere/vmcore"));
    EXPECT_EQ(write_and_commit(*sink.value()), "");
    EXPECT_TRUE(fs::exists(dir.path() + "/" + next_dump().dir_name + "/vmcore"));
}

TEST(SshRetention, MinFreeOverSftpUsesTheServersFreeSpace) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    kdf::test::TempDir dir("kdf-retention-ssh");
    const auto mine = make_retention_layout(dir.path());
    ssh::SshTransport t;
    auto sink = t.open(ssh_target(sshd, dir.path(), {{"min_free", "1000000T"}}), next_dump(), soon());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto after = entries(dir.path());
    for (size_t i = 0; i + 1 < mine.size(); ++i) EXPECT_FALSE(has(after, mine[i])) << mine[i];
    for (const std::string& name : never_removed()) EXPECT_TRUE(has(after, name)) << name;
}

TEST(SshRetention, ProbeRemovesNothingAndStreamModeRefusesRetention) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    kdf::test::TempDir dir("kdf-retention-ssh");
    make_retention_layout(dir.path());
    const auto before = entries(dir.path());
    ssh::SshTransport t;
    auto probed = t.probe(ssh_target(sshd, dir.path(), {{"keep", "1"}}), soon());
    ASSERT_TRUE(probed.is_ok()) << probed.status().to_string();
    EXPECT_EQ(entries(dir.path()), before);

    Status s = t.check(ssh_target(sshd, dir.path(), {{"mode", "stream"}, {"keep", "2"}}));
    EXPECT_NE(s.to_string().find("kdf.conf:5: ssh: keep/min_free need mode sftp"), std::string::npos) << s.to_string();
}

}  // namespace
