// The fault matrix, ssh row: a real OpenSSH sshd on loopback in front of a directory that already
// holds another host's dump, each fault made for real, then a local directory that must take over.
#include "tests/faults/fault_cell.h"
#include "tests/faults/tcp_relay.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

constexpr double kTimeout = 2.0;  // connect_timeout and stall_timeout of the faulted target

// "[target primary]" for an sftp dump into `remote` at 127.0.0.1:port.
std::string ssh_section(uint16_t port, const std::string& identity, const std::string& known_hosts,
                        const fs::path& remote) {
    return "[target primary]\ntype = ssh\nhost = 127.0.0.1\nport = " + std::to_string(port) +
           "\nidentity = " + identity + "\nknown_hosts = " + known_hosts + "\npath = " + remote.string() +
           "\nreserve = 0\nconnect_timeout = 2s\nstall_timeout = 2s";
}

// A known_hosts naming sshd's host key under another port (the relay's).
std::string known_hosts_for_port(FaultCell& cell, const Sshd& sshd, uint16_t port) {
    fs::path kh = cell.scratch().path("known_hosts_" + std::to_string(port));
    write_file(kh, "[127.0.0.1]:" + std::to_string(port) + " " + shell_output("cut -d' ' -f1,2 " + sshd.host_pub()) + "\n");
    return kh.string();
}

TEST(FaultMatrixSsh, Refused) {
    FaultCell cell("ssh", "refused", kTimeout);
    fs::path vmcore = cell.make_vmcore("8M", false);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    const uint16_t closed = kdf::test::free_tcp_port();  // nothing listens there
    cell.start(cell.write_chain(ssh_section(closed, cell.scratch().path("none").string(),
                                            cell.scratch().path("kh").string(), remote.path)),
               vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: ssh: connect to [127.0.0.1]:" + std::to_string(closed)))
        << r.err;
    remote.expect_intact(false);
}

TEST(FaultMatrixSsh, HungAtConnect) {
    FaultCell cell("ssh", "hung at connect", kTimeout);
    SilentListener silent;
    ASSERT_TRUE(silent.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    cell.start(cell.write_chain(ssh_section(silent.port(), cell.scratch().path("none").string(),
                                            cell.scratch().path("kh").string(), remote.path)),
               vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_GE(silent.accepted(), 1);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: ")) << r.err;
    remote.expect_intact(false);
}

TEST(FaultMatrixSsh, HungMidTransfer) {
    FaultCell cell("ssh", "hung mid-transfer (SIGSTOP)", kTimeout);
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    fs::path vmcore = cell.make_vmcore("64M", true);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    cell.start(cell.write_chain(ssh_section(sshd.port(), sshd.client_key(), sshd.known_hosts(), remote.path),
                                "compress = none"),
               vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return holds_partial_dump(remote.path, 4u << 20); }, 60s)) << "not caught mid-transfer";
    ASSERT_GT(sshd.freeze_sessions(), 0);
    cell.fault_now();
    CommandResult r = cell.finish();
    sshd.thaw_sessions();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    remote.expect_intact(true);
}

TEST(FaultMatrixSsh, AuthenticationRefused) {
    FaultCell cell("ssh", "authentication refused", kTimeout);
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    const std::string stranger = cell.scratch().path("stranger").string();
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f " + stranger), 0);
    cell.start(cell.write_chain(ssh_section(sshd.port(), stranger, sshd.known_hosts(), remote.path)), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [auth]: ssh: " + sshd.host_label() + " refused key " + stranger))
        << r.err;
    remote.expect_intact(false);
}

TEST(FaultMatrixSsh, ServerDiskFull) {
    FaultCell cell("ssh", "server disk full", kTimeout);
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    fs::path vmcore = cell.make_vmcore("16M", true);
    const SeededDirectory remote(cell.scratch().mount_tmpfs("remote", "2m"));
    cell.start(cell.write_chain(ssh_section(sshd.port(), sshd.client_key(), sshd.known_hosts(), remote.path),
                                "compress = none"),
               vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ssh: write of ")) << r.err;
    EXPECT_TRUE(contains(r.err, "No space left on device (ENOSPC)")) << r.err;
    remote.expect_intact(true);
}

TEST(FaultMatrixSsh, ConnectionReset) {
    FaultCell cell("ssh", "connection reset", kTimeout);
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    TcpRelay relay(sshd.port(), 6u << 20);  // RST both ways after 6 MiB towards the server
    ASSERT_TRUE(relay.ok());
    fs::path vmcore = cell.make_vmcore("32M", true);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    cell.start(cell.write_chain(ssh_section(relay.port(), sshd.client_key(), known_hosts_for_port(cell, sshd, relay.port()),
                                            remote.path),
                                "compress = none"),
               vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return relay.has_reset(); }, 60s)) << "the relay never reset the connection";
    cell.fault_now();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    remote.expect_intact(true);
}

TEST(FaultMatrixSsh, ServerKilledAndRestarted) {
    FaultCell cell("ssh", "server killed and restarted", kTimeout);
    Sshd sshd;
    ASSERT_TRUE(sshd.ok());
    fs::path vmcore = cell.make_vmcore("64M", true);
    const SeededDirectory remote(cell.scratch().mkdir("remote"));
    cell.start(cell.write_chain(ssh_section(sshd.port(), sshd.client_key(), sshd.known_hosts(), remote.path),
                                "compress = none"),
               vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return holds_partial_dump(remote.path, 4u << 20); }, 60s)) << "not caught mid-transfer";
    cell.fault_now();
    ASSERT_TRUE(sshd.kill_and_restart()) << sshd.log();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    remote.expect_intact(true);
}

}  // namespace
