// The fault matrix, nfs row: a real nfs-ganesha (NFSv4, one TCP connection) on loopback exporting a
// directory that already holds another host's dump, each fault made for real, then a local
// directory that must take over.
#include "tests/faults/fault_cell.h"
#include "tests/faults/tcp_relay.h"
#include "tests/unit/nfs/ganesha_fixture.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

constexpr double kTimeout = 2.0;  // connect_timeout and stall_timeout of the faulted target

std::string nfs_section(const std::string& pseudo, uint16_t port) {
    return "[target primary]\ntype = nfs\nurl = nfs://127.0.0.1" + pseudo + "?version=4&nfsport=" + std::to_string(port) +
           "\nreserve = 0\nconnect_timeout = 2s\nstall_timeout = 2s";
}

TEST(FaultMatrixNfs, Refused) {
    FaultCell cell("nfs", "refused", kTimeout);
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(nfs_section("/export", kdf::test::free_tcp_port())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: ")) << r.err;
}

TEST(FaultMatrixNfs, HungAtConnect) {
    FaultCell cell("nfs", "hung at connect", kTimeout);
    SilentListener silent;
    ASSERT_TRUE(silent.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(nfs_section("/export", silent.port())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_GE(silent.accepted(), 1);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: ")) << r.err;
}

TEST(FaultMatrixNfs, HungMidTransfer) {
    FaultCell cell("nfs", "hung mid-transfer (SIGSTOP)", kTimeout);
    Ganesha ganesha({{"/export", false, ""}});
    ASSERT_TRUE(ganesha.ok()) << ganesha.why();
    const SeededDirectory exported(ganesha.dir_of("/export"));
    fs::path vmcore = cell.make_vmcore("64M", true);
    cell.start(cell.write_chain(nfs_section("/export", ganesha.nfs_port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return holds_partial_dump(exported.path, 4u << 20); }, 60s)) << "not caught mid-transfer";
    ganesha.freeze();
    cell.fault_now();
    CommandResult r = cell.finish();
    ganesha.thaw();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    exported.expect_intact(true);
}

TEST(FaultMatrixNfs, AuthenticationRefused) {
    FaultCell cell("nfs", "access refused (export denies this client)", kTimeout);
    GaneshaExport denied{"/export", false, ""};
    denied.deny_all = true;
    Ganesha ganesha({denied});
    ASSERT_TRUE(ganesha.ok()) << ganesha.why();
    const SeededDirectory exported(ganesha.dir_of("/export"));
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(nfs_section("/export", ganesha.nfs_port())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    exported.expect_intact(false);
}

TEST(FaultMatrixNfs, ServerDiskFull) {
    FaultCell cell("nfs", "server disk full", kTimeout);
    Ganesha ganesha({{"/small", false, "2m"}});
    ASSERT_TRUE(ganesha.ok()) << ganesha.why();
    const SeededDirectory exported(ganesha.dir_of("/small"));
    fs::path vmcore = cell.make_vmcore("16M", true);
    cell.start(cell.write_chain(nfs_section("/small", ganesha.nfs_port()), "compress = none"), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ") || contains(r.err, "target 'primary' [commit]: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "ENOSPC")) << r.err;
    exported.expect_intact(true);
}

TEST(FaultMatrixNfs, ConnectionReset) {
    FaultCell cell("nfs", "connection reset", kTimeout);
    Ganesha ganesha({{"/export", false, ""}});
    ASSERT_TRUE(ganesha.ok()) << ganesha.why();
    TcpRelay relay(ganesha.nfs_port(), 6u << 20);
    ASSERT_TRUE(relay.ok());
    const SeededDirectory exported(ganesha.dir_of("/export"));
    fs::path vmcore = cell.make_vmcore("32M", true);
    cell.start(cell.write_chain(nfs_section("/export", relay.port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return relay.has_reset(); }, 60s)) << "the relay never reset the connection";
    cell.fault_now();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    exported.expect_intact(true);
}

TEST(FaultMatrixNfs, ServerKilledAndRestarted) {
    FaultCell cell("nfs", "server killed and restarted", kTimeout);
    Ganesha ganesha({{"/export", false, ""}});
    ASSERT_TRUE(ganesha.ok()) << ganesha.why();
    const SeededDirectory exported(ganesha.dir_of("/export"));
    fs::path vmcore = cell.make_vmcore("64M", true);
    cell.start(cell.write_chain(nfs_section("/export", ganesha.nfs_port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return holds_partial_dump(exported.path, 4u << 20); }, 60s)) << "not caught mid-transfer";
    cell.fault_now();
    ASSERT_TRUE(ganesha.kill_and_restart()) << ganesha.why();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    // A reset by its name, not EIO, however libnfs words it.
    EXPECT_TRUE(contains(r.err, "(ECONNRESET)")) << r.err;
    exported.expect_intact(true);
}

}  // namespace
