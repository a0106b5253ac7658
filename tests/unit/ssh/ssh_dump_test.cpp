// The ssh transport end to end: the real `kdump-failover dump` with a chain whose first target is
// a real OpenSSH sshd on loopback; pages checked with kdf-compare-pages and read back by makedumpfile.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

using namespace kdf_test;

struct SshTarget {
    std::string name = "remote";
    std::string identity;
    std::string known_hosts;
    fs::path path;
    uint16_t port = 0;
    std::string extra;  // more lines for the section
};

std::string ssh_section(const SshTarget& t) {
    return "[target " + t.name + "]\ntype = ssh\nhost = 127.0.0.1\nport = " + std::to_string(t.port) +
           "\nidentity = " + t.identity + "\nknown_hosts = " + t.known_hosts + "\npath = " + t.path.string() + "\n" +
           t.extra + "\n";
}

std::string local_section(const std::string& name, const fs::path& path) {
    return "[target " + name + "]\ntype = local\npath = " + path.string() + "\nreserve = 0\n\n";
}

SshTarget target_for(const Sshd& sshd, const fs::path& path, const std::string& extra = "") {
    SshTarget t;
    t.identity = sshd.client_key();
    t.known_hosts = sshd.known_hosts();
    t.path = path;
    t.port = sshd.port();
    t.extra = extra;
    return t;
}

// "[chain] remote backup": the ssh target first, a local directory after it.
fs::path write_chain(Scratch& s, const SshTarget& t, const fs::path& backup, const std::string& dump = "") {
    fs::path conf = s.path("kdf.conf");
    write_file(conf, (dump.empty() ? "" : "[dump]\n" + dump + "\n\n") + "[chain]\ntargets = " + t.name + " backup\n\n" +
                         ssh_section(t) + local_section("backup", backup));
    return conf;
}

std::string dump_cmd(const fs::path& conf, const fs::path& vmcore) {
    return "dump --config " + conf.string() + " --vmcore " + vmcore.string();
}

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(SshDump, SftpDumpLandsCompleteAndPrivate) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("32M", 5);
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    fs::path conf = write_chain(s, target_for(sshd, remote), backup);

    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(remote, "vmcore");
    ASSERT_FALSE(landed.empty()) << r.err;
    EXPECT_TRUE(same_pages(vmcore, landed));
    EXPECT_TRUE(find_one(remote, "vmcore-incomplete").empty());
    EXPECT_EQ(mode_of(landed), 0600u);
    EXPECT_EQ(mode_of(landed.parent_path()), 0700u);
    EXPECT_TRUE(contains(r.out, "dump saved by target 'remote' (ssh): " + sshd.host_label() + ":" + landed.string()))
        << r.out;
    EXPECT_TRUE(fs::is_empty(backup));
}

TEST(SshDump, MakedumpfileReadsTheSftpDump) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.path("synthetic.elf");
    ASSERT_EQ(shell("xz -dc " KDF_SHARED_DIR "/fixtures/dump/synthetic.elf.xz > " + vmcore.string()), 0);
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    fs::path conf = write_chain(s, target_for(sshd, remote), backup, "level = 1");
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(remote, "vmcore");
    ASSERT_FALSE(landed.empty());
    EXPECT_TRUE(same_pages(vmcore, landed));
    // makedumpfile decodes every kept page to re-filter the dump.
    fs::path again = s.path("again.kdump");
    EXPECT_EQ(shell("makedumpfile -d 1 " + landed.string() + " " + again.string() + " >/dev/null 2>&1"), 0);
    EXPECT_TRUE(same_pages(vmcore, again));
}

TEST(SshDump, StreamModeOutputReassembles) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("16M", 6);
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    fs::path conf = write_chain(s, target_for(sshd, remote, "mode = stream\nformat = flat"), backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path flat = find_one(remote, "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << r.err;
    EXPECT_EQ(mode_of(flat), 0600u);
    EXPECT_TRUE(find_one(remote, "vmcore-incomplete").empty());
    fs::path by_makedumpfile = s.path("md.kdump"), by_us = s.path("ours.kdump");
    ASSERT_EQ(shell("makedumpfile -R " + by_makedumpfile.string() + " < " + flat.string() + " >/dev/null 2>&1"), 0);
    EXPECT_TRUE(same_pages(vmcore, by_makedumpfile));
    CommandResult re = s.run("reassemble " + flat.string() + " " + by_us.string());
    ASSERT_EQ(re.exit_code, 0) << re.err;
    EXPECT_TRUE(same_pages(vmcore, by_us));
}

TEST(SshDump, StreamModeRefusesAPositionalFormat) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    fs::path conf = write_chain(s, target_for(sshd, remote, "mode = stream\nformat = kdump"), backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    // The ssh plugin reports no positional_write for a stream target, so the core refuses the format
    // before anything connects (and `check` does too).
    EXPECT_TRUE(contains(r.err, "target 'remote' [config]: " + conf.string()))
        << r.err;
    EXPECT_TRUE(contains(r.err, "format = kdump needs positional writes, which plugin 'ssh' does not offer for this "
                                "target (it can only stream)"))
        << r.err;
    CommandResult check = s.run("check --config " + conf.string());
    EXPECT_EQ(check.exit_code, 2) << check.err;
    EXPECT_TRUE(contains(check.err, "target 'remote': format = kdump needs positional writes")) << check.err;
    EXPECT_TRUE(fs::is_empty(remote));
}

TEST(SshDump, UnknownHostKeyIsRefusedWithItsFingerprint) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    SshTarget t = target_for(sshd, remote);
    t.known_hosts = s.path("empty_known_hosts").string();  // does not even exist
    CommandResult r = s.run(dump_cmd(write_chain(s, t, backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [auth]: ssh: host key of " + sshd.host_label() +
                                    " is not trusted: ssh-ed25519 key " + sshd.host_fingerprint() + " is not in " +
                                    t.known_hosts))
        << r.err;
    EXPECT_TRUE(contains(r.err, "kdump-failover ssh-trust remote")) << r.err;
    EXPECT_TRUE(fs::is_empty(remote));
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST(SshDump, ChangedHostKeyIsRefused) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    // Another server's key recorded under this host:port.
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f " + s.path("other").string()), 0);
    SshTarget t = target_for(sshd, remote);
    t.known_hosts = s.path("known_hosts").string();
    write_file(t.known_hosts, sshd.host_label() + " " + shell_output("cut -d' ' -f1,2 " + s.path("other.pub").string()) + "\n");
    CommandResult r = s.run(dump_cmd(write_chain(s, t, backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [auth]: ssh: HOST KEY CHANGED: " + sshd.host_label() +
                                    " offers ssh-ed25519 key " + sshd.host_fingerprint() +
                                    ", which differs from the key recorded in " + t.known_hosts))
        << r.err;
    EXPECT_TRUE(fs::is_empty(remote));
    EXPECT_FALSE(find_one(backup, "vmcore").empty());
}

TEST(SshDump, AKeyTheServerDoesNotKnowIsRefused) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f " + s.path("stranger").string()), 0);
    SshTarget t = target_for(sshd, remote);
    t.identity = s.path("stranger").string();
    CommandResult r = s.run(dump_cmd(write_chain(s, t, backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [auth]: ssh: " + sshd.host_label() + " refused key " + t.identity +
                                    " for user root"))
        << r.err;
    EXPECT_FALSE(find_one(backup, "vmcore").empty());
}

TEST(SshDump, AGroupReadableKeyIsRefusedBeforeConnecting) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    SshTarget t = target_for(sshd, remote);
    t.identity = s.path("shared_key").string();
    fs::copy_file(sshd.client_key(), t.identity);
    ::chmod(t.identity.c_str(), 0640);
    CommandResult r = s.run(dump_cmd(write_chain(s, t, backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "ssh: identity file " + t.identity +
                                    " is accessible by group or others (mode 0640); a dump key must be private: chmod 600 " +
                                    t.identity))
        << r.err;
}

TEST(SshDump, ConnectionRefusedMovesToTheNextTargetAtOnce) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    SshTarget t;
    t.identity = s.path("none").string();
    t.known_hosts = s.path("kh").string();
    t.path = remote;
    t.port = kdf::test::free_tcp_port();  // nothing listens there
    CommandResult r = s.run(dump_cmd(write_chain(s, t, backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [connect]: ssh: connect to [127.0.0.1]:" + std::to_string(t.port)))
        << r.err;
    EXPECT_TRUE(contains(r.err, "Connection refused")) << r.err;
    EXPECT_FALSE(find_one(backup, "vmcore").empty());
    EXPECT_LT(r.seconds, 5.0);
}

TEST(SshDump, AServerThatNeverAnswersFailsAtTheConnectTimeout) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    sshd.freeze_listener();  // the kernel still accepts; no banner ever comes
    CommandResult r = s.run(dump_cmd(write_chain(s, target_for(sshd, remote, "connect_timeout = 2s"), backup), vmcore));
    sshd.thaw_listener();
    EXPECT_EQ(r.exit_code, 11) << r.err;
    // The plugin's own timeout, not the supervisor's kill.
    EXPECT_TRUE(contains(r.err, "target 'remote' [connect]: ssh: connect to " + sshd.host_label())) << r.err;
    EXPECT_FALSE(contains(r.err, "attempt killed")) << r.err;
    EXPECT_FALSE(find_one(backup, "vmcore").empty());
    EXPECT_LT(r.seconds, 10.0);
}

// Runs the command in the background; returns its pid. Output goes to files in `s`.
pid_t spawn_cli(const Scratch& s, const std::string& args) {
    pid_t pid = ::fork();
    if (pid == 0) {
        const std::string cmd = "KDF_PLUGIN_PATH='" KDF_PLUGIN_BUILD_DIR "' exec " KDF_CLI " " + args + " >'" +
                                s.path("bg.out").string() + "' 2>'" + s.path("bg.err").string() + "'";
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

TEST(SshDump, AServerStoppedMidTransferHitsTheStallTimeout) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("256M", 7);
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    // Uncompressed, so the transfer lasts long enough to be caught in the middle.
    fs::path conf = write_chain(s, target_for(sshd, remote, "stall_timeout = 3s"), backup, "compress = none");
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = spawn_cli(s, dump_cmd(conf, vmcore));
    ASSERT_GT(pid, 0);
    // Freeze the server's side of the connection once data is arriving.
    bool frozen = false;
    for (int i = 0; i < 2000 && !frozen; ++i) {
        fs::path part = find_one(remote, "vmcore-incomplete");
        std::error_code ec;
        if (!part.empty() && fs::file_size(part, ec) > (4u << 20)) frozen = sshd.freeze_sessions() > 0;
        else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(frozen) << "the transfer was not caught in the middle";
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sshd.thaw_sessions();
    std::string err = read_file(s.path("bg.err"));
    EXPECT_EQ(WEXITSTATUS(status), 11) << err;
    // Normally the plugin's own watchdog gives up first, with its own message; on a machine
    // loaded enough to delay it past the 1 s grace, the supervisor's stall clock kills the attempt
    // instead. Either way the stall is caught at the configured 3 s and the chain moves on.
    const bool plugin_gave_up = contains(err, "target 'remote' [write]: ssh: ") &&
                                contains(err, "no answer from " + sshd.host_label() + " before the deadline");
    const bool supervisor_killed = contains(err, "target 'remote' [write]: no progress for 3 s (stall timeout); attempt killed");
    EXPECT_TRUE(plugin_gave_up || supervisor_killed) << err;
    EXPECT_FALSE(find_one(remote, "vmcore-incomplete").empty());
    EXPECT_TRUE(find_one(remote, "vmcore").empty());
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
    EXPECT_LT(seconds, 25.0);
}

TEST(SshDump, ARemoteDiskFullIsAClearErrorAndTheNextTargetTakesOver) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("16M", 8);
    fs::path remote = s.mount_tmpfs("remote", "1m"), backup = s.mkdir("backup");
    fs::path conf = write_chain(s, target_for(sshd, remote, "reserve = 0"), backup, "compress = none");
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [write]: ssh: write of ")) << r.err;
    EXPECT_TRUE(contains(r.err, "the remote filesystem is full")) << r.err;
    EXPECT_TRUE(contains(r.err, "No space left on device (ENOSPC)")) << r.err;
    EXPECT_FALSE(find_one(remote, "vmcore-incomplete").empty());
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST(SshDump, BelowTheReserveTheTargetIsSkippedBeforeWriting) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path remote = s.mount_tmpfs("remote", "1m"), backup = s.mkdir("backup");
    CommandResult r = s.run(dump_cmd(write_chain(s, target_for(sshd, remote), backup), vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'remote' [open]: ssh: only 1.0 MiB free at " + sshd.host_label() + ":" +
                                    remote.string() + ", below the reserve of 64.0 MiB"))
        << r.err;
    EXPECT_TRUE(fs::is_empty(remote));
}

TEST(SshDump, AMissingRemoteDirectoryIsNeverCreated) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    int round = 0;
    for (const char* extra : {"", "mode = stream\nformat = flat"}) {
        fs::path backup = s.mkdir("backup" + std::to_string(++round));  // the dump name may repeat within a second
        fs::path missing = s.path("not-mounted");
        CommandResult r = s.run(dump_cmd(write_chain(s, target_for(sshd, missing, extra), backup), vmcore));
        EXPECT_EQ(r.exit_code, 11) << r.err;
        EXPECT_TRUE(contains(r.err, "ssh: remote directory " + sshd.host_label() + ":" + missing.string() +
                                        " does not exist"))
            << extra << ": " << r.err;
        EXPECT_FALSE(fs::exists(missing));
    }
}

TEST(SshDump, ProbeReportsWritableAndFreeSpace) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    Scratch s;
    fs::path remote = s.mkdir("remote"), backup = s.mkdir("backup");
    CommandResult r = s.run("check --probe --config " + write_chain(s, target_for(sshd, remote), backup).string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "target 'remote' (ssh): probe ok: writable, ")) << r.out;
    EXPECT_TRUE(contains(r.out, " free at " + sshd.host_label() + ":" + remote.string() + " (sftp, fsync@openssh.com)"))
        << r.out;
    EXPECT_TRUE(fs::is_empty(remote)) << "the probe file must be removed";
}

}  // namespace
