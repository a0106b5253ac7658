// The fault matrix, iscsi row: a LUN on a real tgtd on loopback, its last MiB holding data no
// dump of this size reaches, each fault made for real, then a local directory that must take over.
#include <sys/stat.h>

#include "tests/faults/fault_cell.h"
#include "tests/faults/tcp_relay.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

constexpr double kTimeout = 2.0;  // connect_timeout and stall_timeout of the faulted target
constexpr uint64_t MiB = 1u << 20;
constexpr uint64_t kLunBytes = 96 * MiB;
constexpr uint64_t kTailOffset = kLunBytes - MiB;

std::string iscsi_section(uint16_t port, const std::string& extra = "") {
    return "[target primary]\ntype = iscsi\nportal = 127.0.0.1:" + std::to_string(port) + "\ntarget = " + kTgtdIqn +
           "\nlun = 1\nconnect_timeout = 2s\nstall_timeout = 2s\n" + extra;
}

// Bytes tgtd has really written into the (sparse) backing file.
uint64_t allocated(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_blocks) * 512 : 0;
}

TEST(FaultMatrixIscsi, Refused) {
    FaultCell cell("iscsi", "refused", kTimeout);
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(iscsi_section(kdf::test::free_tcp_port())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: iscsi: login to 127.0.0.1:")) << r.err;
    EXPECT_TRUE(contains(r.err, "Connection refused (ECONNREFUSED)")) << r.err;
}

TEST(FaultMatrixIscsi, HungAtConnect) {
    FaultCell cell("iscsi", "hung at connect", kTimeout);
    SilentListener silent;
    ASSERT_TRUE(silent.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(iscsi_section(silent.port())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_GE(silent.accepted(), 1);
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: ")) << r.err;
}

TEST(FaultMatrixIscsi, HungMidTransfer) {
    FaultCell cell("iscsi", "hung mid-transfer (SIGSTOP)", kTimeout);
    Tgtd tgtd({{1, kLunBytes}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    const std::string tail = write_pattern(tgtd.backing(1), kTailOffset, MiB);
    fs::path vmcore = cell.make_vmcore("64M", true);
    cell.start(cell.write_chain(iscsi_section(tgtd.port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return allocated(tgtd.backing(1)) > 10 * MiB; }, 60s)) << "not caught mid-transfer";
    tgtd.freeze();
    cell.fault_now();
    CommandResult r = cell.finish();
    tgtd.thaw();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: ")) << r.err;
    expect_raw_target_intact(tgtd.backing(1), kTailOffset, tail, true);
}

TEST(FaultMatrixIscsi, AuthenticationRefused) {
    FaultCell cell("iscsi", "authentication refused (CHAP)", kTimeout);
    Tgtd tgtd({{1, kLunBytes}}, TgtdChap("kdump", "the-right-secret"));
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    const std::string tail = write_pattern(tgtd.backing(1), kTailOffset, MiB);
    fs::path vmcore = cell.make_vmcore("8M", false);
    kdf::test::TempDir secrets("kdf-chap");
    const std::string wrong = write_secret_file(secrets, "chap", "a-wrong-secret");
    cell.start(cell.write_chain(iscsi_section(tgtd.port(), "chap_user = kdump\nchap_secret_file = " + wrong)), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [auth]: ")) << r.err;
    EXPECT_FALSE(contains(r.err + r.out, "a-wrong-secret")) << "a secret in the output";
    expect_raw_target_intact(tgtd.backing(1), kTailOffset, tail, false);
}

TEST(FaultMatrixIscsi, ServerDiskFull) {
    FaultCell cell("iscsi", "server disk full (LUN on a full tmpfs)", kTimeout);
    // A thin LUN: 96 MiB announced, backed by a sparse file on a 6 MiB tmpfs, so tgtd's own writes
    // fail with ENOSPC part-way through the dump.
    fs::path store = cell.scratch().mount_tmpfs("lunstore", "6m");
    const std::string backing = (store / "lun1.img").string();
    write_file(backing, "");
    fs::resize_file(backing, kLunBytes);
    const std::string tail = write_pattern(backing, kTailOffset, 64 * 1024);
    Tgtd tgtd({{1, kLunBytes, 512, backing}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    fs::path vmcore = cell.make_vmcore("32M", true);
    cell.start(cell.write_chain(iscsi_section(tgtd.port()), "compress = none"), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    // tgtd answers a write its backing file could not take with MEDIUM ERROR (the plugin used to
    // crash on that sense code, which libiscsi has no name for).
    EXPECT_TRUE(contains(r.err, "target 'primary' [write]: iscsi: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "CHECK CONDITION: MEDIUM ERROR")) << r.err;
    expect_raw_target_intact(backing, kTailOffset, tail, true);
}

TEST(FaultMatrixIscsi, ConnectionReset) {
    FaultCell cell("iscsi", "connection reset", kTimeout);
    Tgtd tgtd({{1, kLunBytes}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    TcpRelay relay(tgtd.port(), 8 * MiB);
    ASSERT_TRUE(relay.ok());
    const std::string tail = write_pattern(tgtd.backing(1), kTailOffset, MiB);
    fs::path vmcore = cell.make_vmcore("32M", true);
    cell.start(cell.write_chain(iscsi_section(relay.port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return relay.has_reset(); }, 60s)) << "the relay never reset the connection";
    cell.fault_now();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    // The plugin logs in again once, at once; the relay resets that connection too, and the
    // failed login is the innermost stage.
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: iscsi: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "connection lost (")) << r.err;
    EXPECT_TRUE(contains(r.err, "); logging in again failed: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "Connection reset by peer")) << r.err;
    expect_raw_target_intact(tgtd.backing(1), kTailOffset, tail, true);
}

TEST(FaultMatrixIscsi, ServerKilledAndRestarted) {
    FaultCell cell("iscsi", "server killed and restarted", kTimeout);
    Tgtd tgtd({{1, kLunBytes}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    const std::string tail = write_pattern(tgtd.backing(1), kTailOffset, MiB);
    fs::path vmcore = cell.make_vmcore("64M", true);
    cell.start(cell.write_chain(iscsi_section(tgtd.port()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return allocated(tgtd.backing(1)) > 10 * MiB; }, 60s)) << "not caught mid-transfer";
    cell.fault_now();
    ASSERT_TRUE(tgtd.kill_and_restart()) << tgtd.why();
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    // The plugin logs in again once, at once, while tgtd is still starting: refused.
    // (The lost write may be a data write or the header's refresh: "write header: " then leads.)
    EXPECT_TRUE(contains(r.err, "target 'primary' [connect]: iscsi: ")) << r.err;
    EXPECT_TRUE(contains(r.err, "connection lost (")) << r.err;
    EXPECT_TRUE(contains(r.err, "); logging in again failed: ")) << r.err;
    expect_raw_target_intact(tgtd.backing(1), kTailOffset, tail, true);
}

}  // namespace
