// The fault matrix, local raw row: `type = local, mode = raw` on a real loop device whose last MiB
// holds data no dump of this size reaches, each fault made for real, then a local directory that
// must take over. Refused, disk full and a device that stops answering apply to a local device;
// there is no connection, no credential and no server process, so the other columns do not (the
// reliability document says why for each).
#include <cstring>
#include <vector>

#include "kdf/raw_dump_header.h"
#include "tests/faults/fault_cell.h"
#include "tests/faults/frozen_filesystem.h"
#include "tests/faults/loop_device.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

constexpr double kTimeout = 2.0;  // connect_timeout and stall_timeout of the faulted target
constexpr uint64_t MiB = 1u << 20;
constexpr uint64_t kDeviceBytes = 96 * MiB;
constexpr uint64_t kTailOffset = kDeviceBytes - MiB;

std::string raw_section(const std::string& device) {
    return "[target primary]\ntype = local\nmode = raw\ndevice = " + device + "\nconnect_timeout = 2s\nstall_timeout = 2s";
}

// A zeroed backing file of `bytes` with the pattern in its last MiB; returns the pattern.
std::string make_backing(const fs::path& file, uint64_t bytes) {
    write_file(file, "");
    fs::resize_file(file, bytes);
    return write_pattern(file, bytes - MiB, MiB);
}

// data_length of the header the device holds now, read through the device (the same page cache
// the dump writes into), or 0 when there is no header yet.
uint64_t recorded_length(const std::string& device) {
    const std::string block = read_range(device, 0, kdf::raw::header_size);
    std::vector<std::byte> bytes(block.size());
    std::memcpy(bytes.data(), block.data(), block.size());
    kdf::raw::DecodeError error{};
    auto header = kdf::raw::decode(bytes, error);
    return header ? header->data_length : 0;
}

TEST(FaultMatrixLocalRaw, RefusedReadOnlyDevice) {
    FaultCell cell("local raw", "refused (read-only device)", kTimeout);
    const fs::path backing = cell.scratch().path("disk.img");
    const std::string tail = make_backing(backing, kDeviceBytes);
    LoopDevice dev(backing.string(), true);
    ASSERT_TRUE(dev.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    cell.start(cell.write_chain(raw_section(dev.device())), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    // The kernel refuses the first write (the header), so nothing reaches the device.
    EXPECT_TRUE(contains(r.err, "target 'primary' [open]: local: ")) << r.err;
    EXPECT_TRUE(contains(r.err, dev.device() + ": Operation not permitted (EPERM)")) << r.err;
    expect_raw_target_intact(dev.device(), kTailOffset, tail, false);
}

// The device stops answering before the dump starts: the filesystem under the loop device's
// backing file is frozen before the run.
TEST(FaultMatrixLocalRaw, DeviceHungBeforeTheDump) {
    FaultCell cell("local raw", "hung before the dump (device frozen)", kTimeout);
    FrozenFilesystem store(cell.scratch().path("store.img").string(), "128M", cell.scratch().path("store").string());
    ASSERT_TRUE(store.ok());
    const fs::path backing = fs::path(store.mount_point()) / "disk.img";
    const std::string tail = make_backing(backing, kDeviceBytes);
    LoopDevice dev(backing.string());
    ASSERT_TRUE(dev.ok());
    fs::path vmcore = cell.make_vmcore("8M", false);
    ASSERT_TRUE(store.freeze());
    cell.start(cell.write_chain(raw_section(dev.device())), vmcore);
    CommandResult r = cell.finish(30s);
    store.thaw();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [")) << r.err;
    expect_raw_target_intact(dev.device(), kTailOffset, tail, false);
}

// The device stops answering in the middle: frozen once the header records 16 MiB of data.
TEST(FaultMatrixLocalRaw, DeviceHungMidTransfer) {
    FaultCell cell("local raw", "hung mid-transfer (device frozen)", kTimeout);
    FrozenFilesystem store(cell.scratch().path("store.img").string(), "128M", cell.scratch().path("store").string());
    ASSERT_TRUE(store.ok());
    const fs::path backing = fs::path(store.mount_point()) / "disk.img";
    const std::string tail = make_backing(backing, kDeviceBytes);
    LoopDevice dev(backing.string());
    ASSERT_TRUE(dev.ok());
    fs::path vmcore = cell.make_vmcore("64M", true);
    cell.start(cell.write_chain(raw_section(dev.device()), "compress = none"), vmcore);
    ASSERT_TRUE(cell.wait_for([&] { return recorded_length(dev.device()) >= 16 * MiB; }, 60s)) << "not caught mid-transfer";
    ASSERT_TRUE(store.freeze());
    cell.fault_now();
    CommandResult r = cell.finish(30s);
    store.thaw();
    cell.expect_failover(r, vmcore);
    EXPECT_TRUE(contains(r.err, "target 'primary' [")) << r.err;
    expect_raw_target_intact(dev.device(), kTailOffset, tail, true);
}

TEST(FaultMatrixLocalRaw, DeviceFull) {
    FaultCell cell("local raw", "device full", kTimeout);
    const fs::path backing = cell.scratch().path("disk.img");
    write_file(backing, "");
    fs::resize_file(backing, 4 * MiB);
    LoopDevice dev(backing.string());
    ASSERT_TRUE(dev.ok());
    fs::path vmcore = cell.make_vmcore("16M", true);
    cell.start(cell.write_chain(raw_section(dev.device()), "compress = none"), vmcore);
    CommandResult r = cell.finish();
    cell.expect_failover(r, vmcore);
    // Refused before anything is written: the device cannot hold the dump's size hint.
    EXPECT_TRUE(contains(r.err, "target 'primary' [open]: local: device " + dev.device() + " holds 4.0 MiB, less than"))
        << r.err;
    expect_raw_target_intact(dev.device(), 0, "", false);
}

}  // namespace
