// `kdump-failover keys` and `kdump-failover ssh-trust`: the ssh plugin's admin commands, run
// through the real command (plugin commands, kdf/plugin_command.h) against a real sshd.
#include <sys/stat.h>

#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

using namespace kdf_test;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::string ssh_conf(const Sshd& sshd, const std::string& identity, const std::string& known_hosts, const fs::path& path) {
    return "[chain]\ntargets = remote\n\n[target remote]\ntype = ssh\nhost = 127.0.0.1\nport = " +
           std::to_string(sshd.port()) + "\nidentity = " + identity + "\nknown_hosts = " + known_hosts +
           "\npath = " + path.string() + "\n";
}

TEST(SshKeys, MakesAPrivatePairAndPrintsThePublicLine) {
    Scratch s;
    const std::string key = s.path("keys/dir/id_ed25519").string();
    CommandResult r = s.run("keys --file " + key);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    struct stat st {};
    ASSERT_EQ(::stat(key.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(s.path("keys/dir").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    EXPECT_TRUE(r.out.starts_with("ssh-ed25519 AAAA")) << r.out;
    // OpenSSH reads our private key and derives the same public key we printed.
    std::string derived = shell_output("ssh-keygen -y -f " + key);
    EXPECT_TRUE(r.out.starts_with(derived)) << derived << " vs " << r.out;
    EXPECT_EQ(read_file(key + ".pub"), r.out);
    // An existing key is kept unless --force.
    CommandResult again = s.run("keys --file " + key);
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_TRUE(contains(again.err, key + " exists; keeping it (use --force to replace the pair)")) << again.err;
    CommandResult forced = s.run("keys --file " + key + " --force");
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_NE(forced.out, r.out);
}

TEST(SshKeys, TheTargetsIdentityIsTheDefaultAndTheKeyLogsIn) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path remote = s.mkdir("remote");
    const std::string key = s.path("id").string();
    fs::path conf = s.path("kdf.conf");
    write_file(conf, ssh_conf(sshd, key, sshd.known_hosts(), remote));
    CommandResult r = s.run("keys remote --config " + conf.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::exists(key));
    EXPECT_TRUE(contains(r.err, "append the line above to ~root/.ssh/authorized_keys on 127.0.0.1")) << r.err;
    // Not installed yet: refused. Installed: the probe logs in.
    EXPECT_EQ(s.run("check --probe --config " + conf.string()).exit_code, 1);
    write_file(sshd.dir() + "/authorized_keys", r.out);
    CommandResult probe = s.run("check --probe --config " + conf.string());
    EXPECT_EQ(probe.exit_code, 0) << probe.err;
}

TEST(SshTrust, PrintsTheFingerprintRecordsTheKeyAndThenTheDumpWorks) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path remote = s.mkdir("remote");
    const std::string kh = s.path("trust/known_hosts").string();
    fs::path conf = s.path("kdf.conf");
    write_file(conf, ssh_conf(sshd, sshd.client_key(), kh, remote));
    fs::path vmcore = s.make_vmcore("4M");

    CommandResult before = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(before.exit_code, 1) << before.err;

    // A wrong --expect records nothing.
    CommandResult wrong = s.run("ssh-trust remote --expect SHA256:nope --config " + conf.string());
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_FALSE(fs::exists(kh));

    CommandResult trust = s.run("ssh-trust remote --config " + conf.string() + " --expect " + sshd.host_fingerprint());
    ASSERT_EQ(trust.exit_code, 0) << trust.err;
    EXPECT_TRUE(contains(trust.out, sshd.host_label() + " offers ssh-ed25519 key " + sshd.host_fingerprint())) << trust.out;
    EXPECT_TRUE(contains(trust.out, "recorded in " + kh)) << trust.out;
    // OpenSSH's own client accepts the line we wrote.
    EXPECT_EQ(shell("ssh -p " + std::to_string(sshd.port()) + " -i " + sshd.client_key() +
                    " -o UserKnownHostsFile=" + kh + " -o StrictHostKeyChecking=yes -o BatchMode=yes root@127.0.0.1 true"),
              0);
    CommandResult again = s.run("ssh-trust remote --config " + conf.string());
    EXPECT_EQ(again.exit_code, 0);
    EXPECT_TRUE(contains(again.out, "already trusted in " + kh)) << again.out;

    CommandResult after = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(remote, "vmcore")));
}

TEST(SshTrust, ARecordedKeyThatChangedIsNotReplaced) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f " + s.path("other").string()), 0);
    const std::string kh = s.path("known_hosts").string();
    const std::string old_line = sshd.host_label() + " " + shell_output("cut -d' ' -f1,2 " + s.path("other.pub").string()) + "\n";
    write_file(kh, old_line);
    fs::path conf = s.path("kdf.conf");
    write_file(conf, ssh_conf(sshd, sshd.client_key(), kh, s.mkdir("remote")));
    CommandResult r = s.run("ssh-trust remote --config " + conf.string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(contains(r.out, sshd.host_fingerprint())) << r.out;
    EXPECT_TRUE(contains(r.err, "holds a different key for " + sshd.host_label() + "; refusing")) << r.err;
    EXPECT_EQ(read_file(kh), old_line);
}

TEST(SshTrust, NeedsATargetOfTheConfig) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = /tmp\n");
    CommandResult none = s.run("ssh-trust --config " + conf.string());
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_TRUE(contains(none.err, "usage: kdump-failover ssh-trust TARGET")) << none.err;
    CommandResult typo = s.run("ssh-trust remtoe --config " + conf.string());
    EXPECT_EQ(typo.exit_code, 2);
    EXPECT_TRUE(contains(typo.err, "ssh-trust: no target 'remtoe' in " + conf.string())) << typo.err;
    CommandResult local = s.run("ssh-trust disk --config " + conf.string());
    EXPECT_EQ(local.exit_code, 2);
    EXPECT_TRUE(contains(local.err, "target 'disk' uses plugin 'local', which has no 'ssh-trust' command")) << local.err;
}

}  // namespace
