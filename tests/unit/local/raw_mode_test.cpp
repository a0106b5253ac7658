// raw_mode_test.cpp - mode raw of the `local` transport and `save` (core/format/raw_save), on a
// regular file standing in for the block device.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "core/format/raw_save.h"
#include "kdf/dump_host.h"
#include "kdf/raw_dump_header.h"
#include "kdf/unique_fd.h"
#include "local_options.h"
#include "local_transport.h"
#include "test_support.h"

namespace kdf::local::test {
namespace {

constexpr const char* kDir = "node1-2026-11-23-19:04:05";
constexpr uint64_t MiB = 1u << 20;

class RawMode : public ::testing::Test {
protected:
    void SetUp() override {
        device = tmp / "lun0";
        make_device(device, 8 * MiB);
        out = tmp / "out";
        ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
    }
    Result<std::unique_ptr<Sink>> open(DumpInfo d = dump_info()) {
        return transport.open(target({{"mode", "raw"}, {"device", device}}), d, call);
    }
    raw::Header header() {
        auto block = read_file(device);
        block.resize(raw::header_size);
        raw::DecodeError err{};
        auto h = raw::decode(block, err);
        EXPECT_TRUE(h.has_value()) << raw::to_string(err);
        return h.value_or(raw::Header{});
    }
    std::string dump_dir() const { return out + "/" + kDir; }

    LocalTransport transport;
    TempDir tmp;
    std::string device, out;
    CallOptions call;
};

// Writes a dump with a side file in three out-of-order chunks; returns the dump bytes.
std::vector<std::byte> write_dump(Sink& sink, const CallOptions& call) {
    const std::string dmesg = "[    1.000000] kernel log\n";
    EXPECT_TRUE(sink.put_file("vmcore-dmesg.txt", bytes_of(dmesg), call).is_ok());
    auto data = pattern(2 * MiB + 5000, 11);
    std::span<const std::byte> all(data);
    EXPECT_TRUE(sink.write_at(MiB, all.subspan(MiB), call).is_ok());
    EXPECT_TRUE(sink.write_at(0, all.first(4096), call).is_ok());
    EXPECT_TRUE(sink.write_at(4096, all.subspan(4096, MiB - 4096), call).is_ok());
    return data;
}

TEST_F(RawMode, RoundTripThroughSaveGivesIdenticalBytesAndSideFile) {
    auto sink = open();
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    EXPECT_EQ(sink.value()->location(), device + " (raw, dump " + kDir + ")");
    EXPECT_EQ(header().state, raw::State::writing);
    auto data = write_dump(*sink.value(), call);
    Status c = sink.value()->commit(call);
    ASSERT_TRUE(c.is_ok()) << c.to_string();

    raw::Header h = header();
    EXPECT_EQ(h.state, raw::State::complete);
    EXPECT_EQ(h.data_length, data.size());
    EXPECT_EQ(h.data_offset % raw::data_alignment, 0u);
    EXPECT_EQ(h.host, "node1");
    EXPECT_EQ(h.dump_name, kDir);
    EXPECT_EQ(h.final_name, "vmcore");
    EXPECT_EQ(h.format, "kdump");
    EXPECT_EQ(h.started, 1'795'000'000);
    EXPECT_NE(h.finished, 0);
    ASSERT_EQ(h.side_files.size(), 1u);
    EXPECT_EQ(h.side_files[0].name, "vmcore-dmesg.txt");
    EXPECT_GE(h.side_files[0].offset, raw::header_size);

    auto saved = format::save_raw_dump(device, out, {});
    ASSERT_TRUE(saved.is_ok()) << saved.status().to_string();
    EXPECT_TRUE(saved.value().complete);
    EXPECT_EQ(saved.value().bytes, data.size());
    EXPECT_EQ(saved.value().dump_path, dump_dir() + "/vmcore");
    EXPECT_EQ(read_file(dump_dir() + "/vmcore"), data);
    EXPECT_FALSE(exists(dump_dir() + "/vmcore-incomplete"));
    ASSERT_EQ(saved.value().side_files.size(), 1u);
    EXPECT_EQ(saved.value().side_files[0], dump_dir() + "/vmcore-dmesg.txt");
    auto dmesg = read_file(dump_dir() + "/vmcore-dmesg.txt");
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(dmesg.data()), dmesg.size()), "[    1.000000] kernel log\n");
    EXPECT_EQ(mode_of(dump_dir()), 0700u);
    EXPECT_EQ(mode_of(dump_dir() + "/vmcore"), 0600u);
    EXPECT_EQ(mode_of(dump_dir() + "/vmcore-dmesg.txt"), 0600u);
    EXPECT_EQ(header().state, raw::State::saved);
    EXPECT_EQ(header().finished, h.finished);
}

TEST_F(RawMode, SavedDumpIsRefusedTheSecondTimeUnlessForced) {
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        write_dump(*sink.value(), call);
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    ASSERT_TRUE(format::save_raw_dump(device, out, {}).is_ok());
    const std::string out2 = tmp / "out2";
    ASSERT_EQ(::mkdir(out2.c_str(), 0755), 0);
    auto again = format::save_raw_dump(device, out2, {});
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.status().code(), Code::not_supported);
    EXPECT_NE(again.status().message().find("already saved"), std::string::npos) << again.status().to_string();
    EXPECT_NE(again.status().message().find("UTC"), std::string::npos) << again.status().to_string();
    EXPECT_FALSE(exists(out2 + "/" + kDir));

    auto forced = format::save_raw_dump(device, out2, {.force = true});
    ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
    EXPECT_EQ(read_file(forced.value().dump_path), read_file(dump_dir() + "/vmcore"));
}

TEST_F(RawMode, SaveRefusesToOverwriteAnExtractedDump) {
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        write_dump(*sink.value(), call);
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    ASSERT_TRUE(format::save_raw_dump(device, out, {}).is_ok());
    auto again = format::save_raw_dump(device, out, {.force = true});
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.status().sys_errno(), EEXIST) << again.status().to_string();
}

TEST_F(RawMode, UncommittedDumpIsRefusedAndForceExtractsItAsIncomplete) {
    std::vector<std::byte> data;
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        data = pattern(MiB, 12);
        ASSERT_TRUE(sink.value()->write_at(0, data, call).is_ok());
        // Simulate the crash kernel dying mid-dump: the header must still say "writing", so read
        // it now (the destructor below marks it aborted, as a clean stop would).
        EXPECT_EQ(header().state, raw::State::writing);
        auto refused = format::save_raw_dump(device, out, {});
        ASSERT_FALSE(refused.is_ok());
        EXPECT_EQ(refused.status().code(), Code::corrupt);
        EXPECT_NE(refused.status().message().find("incomplete"), std::string::npos) << refused.status().to_string();
        EXPECT_NE(refused.status().message().find("bytes written"), std::string::npos);
        EXPECT_NE(refused.status().message().find("--force"), std::string::npos);
        EXPECT_FALSE(exists(dump_dir()));
    }
    EXPECT_EQ(header().state, raw::State::aborted);  // destroyed without commit = abort
    EXPECT_EQ(header().data_length, data.size());
    auto forced = format::save_raw_dump(device, out, {.force = true});
    ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
    EXPECT_FALSE(forced.value().complete);
    EXPECT_EQ(forced.value().dump_path, dump_dir() + "/vmcore-incomplete");
    EXPECT_EQ(read_file(dump_dir() + "/vmcore-incomplete"), data);
    EXPECT_FALSE(exists(dump_dir() + "/vmcore"));
    EXPECT_EQ(header().state, raw::State::aborted);  // still says incomplete on the device
}

TEST_F(RawMode, InterruptedDumpHeaderRecordsProgressAndForceExtractsThatMuch) {
    make_device(device, 24 * MiB);
    auto sink = open();
    ASSERT_TRUE(sink.is_ok());
    auto data = pattern(17 * MiB, 18);
    for (uint64_t off = 0; off < data.size(); off += MiB)
        ASSERT_TRUE(sink.value()->write_at(off, std::span<const std::byte>(data).subspan(off, MiB), call).is_ok());
    // The process is still "inside" the dump, as if the crash kernel died now.
    raw::Header h = header();
    EXPECT_EQ(h.state, raw::State::writing);
    EXPECT_GE(h.data_length, 16 * MiB);
    EXPECT_LE(h.data_length, data.size());
    auto forced = format::save_raw_dump(device, out, {.force = true});
    ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
    EXPECT_EQ(forced.value().bytes, h.data_length);
    auto got = read_file(forced.value().dump_path);
    ASSERT_EQ(got.size(), h.data_length);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), data.begin()));
}

TEST_F(RawMode, AbortedDumpIsRefusedWithItsSize) {
    auto sink = open();
    ASSERT_TRUE(sink.is_ok());
    ASSERT_TRUE(sink.value()->write_at(0, pattern(12345, 13), call).is_ok());
    ASSERT_TRUE(sink.value()->abort(call).is_ok());
    EXPECT_EQ(header().state, raw::State::aborted);
    auto refused = format::save_raw_dump(device, out, {});
    ASSERT_FALSE(refused.is_ok());
    EXPECT_NE(refused.status().message().find("12345 bytes written"), std::string::npos)
        << refused.status().to_string();
    EXPECT_NE(refused.status().message().find("vmcore-incomplete"), std::string::npos);
}

TEST_F(RawMode, CorruptHeaderChecksumIsAClearError) {
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        write_dump(*sink.value(), call);
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    UniqueFd fd(::open(device.c_str(), O_WRONLY));
    ASSERT_TRUE(fd);
    const char flip = 'X';
    ASSERT_EQ(::pwrite(fd.get(), &flip, 1, 60), 1);  // inside the host name
    fd.reset();
    auto saved = format::save_raw_dump(device, out, {});
    ASSERT_FALSE(saved.is_ok());
    EXPECT_EQ(saved.status().code(), Code::corrupt);
    EXPECT_NE(saved.status().message().find("checksum mismatch"), std::string::npos) << saved.status().to_string();
    EXPECT_NE(saved.status().message().find(device), std::string::npos);
    EXPECT_FALSE(exists(dump_dir()));
}

TEST_F(RawMode, SourceWithoutHeaderIsNotARawDump) {
    auto saved = format::save_raw_dump(device, out, {});  // all zeros
    ASSERT_FALSE(saved.is_ok());
    EXPECT_EQ(saved.status().code(), Code::corrupt);
    EXPECT_NE(saved.status().message().find("no kdump-failover raw dump header"), std::string::npos)
        << saved.status().to_string();
}

TEST_F(RawMode, TruncatedSourceIsCorrupt) {
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        write_dump(*sink.value(), call);
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    std::filesystem::resize_file(device, 2 * MiB);  // the dump data ends past 3 MiB
    auto saved = format::save_raw_dump(device, out, {});
    ASSERT_FALSE(saved.is_ok());
    EXPECT_EQ(saved.status().code(), Code::corrupt);
    EXPECT_NE(saved.status().message().find("past the end"), std::string::npos) << saved.status().to_string();
}

TEST_F(RawMode, DeviceTooSmallForHeaderAndSizeHintIsNoSpace) {
    auto sink = open(dump_info(16 * MiB));
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::no_space);
    EXPECT_EQ(sink.status().stage(), Stage::open);
    EXPECT_NE(sink.status().message().find("holds 8.0 MiB"), std::string::npos) << sink.status().to_string();
    EXPECT_NE(sink.status().message().find("17.0 MiB"), std::string::npos) << sink.status().to_string();
    // nothing written: the device is still all zeros
    auto block = read_file(device);
    EXPECT_TRUE(std::all_of(block.begin(), block.begin() + 4096, [](std::byte b) { return b == std::byte{0}; }));

    make_device(tmp / "tiny", 512 * 1024);
    auto tiny = transport.open(target({{"mode", "raw"}, {"device", tmp / "tiny"}}), dump_info(), call);
    ASSERT_FALSE(tiny.is_ok());
    EXPECT_EQ(tiny.status().code(), Code::no_space);
}

TEST_F(RawMode, WritePastTheDeviceEndIsNoSpace) {
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        Status s = sink.value()->write_at(7 * MiB - 10, pattern(20, 14), call);
        EXPECT_EQ(s.code(), Code::no_space) << s.to_string();
        EXPECT_NE(s.message().find("passes the end"), std::string::npos);
        // A sink whose write failed takes nothing more but abort.
        EXPECT_EQ(sink.value()->write_at(0, pattern(20, 14), call).code(), Code::not_supported);
        EXPECT_TRUE(sink.value()->abort(call).is_ok());
        EXPECT_EQ(header().state, raw::State::aborted);
    }
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        EXPECT_TRUE(sink.value()->write_at(7 * MiB - 20, pattern(20, 14), call).is_ok());  // ends exactly at the end
    }
    {
        auto sink = open();
        ASSERT_TRUE(sink.is_ok());
        EXPECT_EQ(sink.value()->write_at(UINT64_MAX - 5, pattern(20, 14), call).code(), Code::no_space);
    }
}

TEST_F(RawMode, PutFileAfterDataIsNotSupported) {
    auto sink = open();
    ASSERT_TRUE(sink.is_ok());
    ASSERT_TRUE(sink.value()->write_at(0, pattern(100, 15), call).is_ok());
    Status s = sink.value()->put_file("vmcore-dmesg.txt", bytes_of("late"), call);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_NE(s.message().find("side files must precede the dump data"), std::string::npos) << s.to_string();
    EXPECT_TRUE(header().side_files.empty());
}

TEST_F(RawMode, LargeSideFileMovesTheDataOffset) {
    auto sink = open();
    ASSERT_TRUE(sink.is_ok());
    auto big = pattern(MiB + 100, 16);
    ASSERT_TRUE(sink.value()->put_file("big.txt", big, call).is_ok());
    ASSERT_TRUE(sink.value()->put_file("small.txt", bytes_of("small"), call).is_ok());
    auto data = pattern(3000, 17);
    ASSERT_TRUE(sink.value()->write_at(0, data, call).is_ok());
    ASSERT_TRUE(sink.value()->commit(call).is_ok());
    raw::Header h = header();
    EXPECT_EQ(h.data_offset, 2 * MiB);
    ASSERT_EQ(h.side_files.size(), 2u);
    EXPECT_GE(h.side_files[1].offset, h.side_files[0].offset + h.side_files[0].length);

    auto saved = format::save_raw_dump(device, out, {});
    ASSERT_TRUE(saved.is_ok()) << saved.status().to_string();
    EXPECT_EQ(read_file(dump_dir() + "/big.txt"), big);
    EXPECT_EQ(read_file(dump_dir() + "/vmcore"), data);
}

TEST_F(RawMode, MissingDeviceIsNotFoundAndNotCreated) {
    auto sink = transport.open(target({{"mode", "raw"}, {"device", tmp / "sdz"}}), dump_info(), call);
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::not_found);
    EXPECT_FALSE(exists(tmp / "sdz"));
}

TEST_F(RawMode, ProbeReportsSizeAndWhatTheDeviceHolds) {
    auto empty = transport.probe(target({{"mode", "raw"}, {"device", device}}), call);
    ASSERT_TRUE(empty.is_ok()) << empty.status().to_string();
    EXPECT_EQ(empty.value().free_bytes, 7 * MiB);
    EXPECT_NE(empty.value().summary.find("no dump header"), std::string::npos) << empty.value().summary;
    {
        // probe() names this host as the chain's DumpInfo::host does, so our own dump is no stranger.
        DumpInfo ours = dump_info();
        ours.host = this_dump_host();
        auto sink = open(ours);
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    auto full = transport.probe(target({{"mode", "raw"}, {"device", device}}), call);
    ASSERT_TRUE(full.is_ok()) << full.status().to_string();
    EXPECT_NE(full.value().summary.find("not saved yet"), std::string::npos) << full.value().summary;
}

TEST_F(RawMode, AnotherHostsUnsavedDumpIsRefusedByProbeAndOpenUnlessForced) {
    DumpInfo theirs = dump_info();
    theirs.host = this_dump_host() + "-other";
    {
        auto sink = open(theirs);
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    auto probed = transport.probe(target({{"mode", "raw"}, {"device", device}}), call);
    ASSERT_FALSE(probed.is_ok());
    EXPECT_EQ(probed.status().code(), Code::invalid_config);
    EXPECT_EQ(probed.status().stage(), Stage::probe);
    EXPECT_NE(probed.status().message().find("a dump of another host ('" + theirs.host + "'"), std::string::npos)
        << probed.status().message();
    DumpInfo ours = dump_info();
    ours.host = this_dump_host();
    EXPECT_EQ(open(ours).status().code(), Code::invalid_config);
    EXPECT_EQ(header().host, theirs.host);  // untouched
    auto forced = transport.probe(target({{"mode", "raw"}, {"device", device}, {"force", "yes"}}), call);
    ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
    EXPECT_NE(forced.value().summary.find("(force = yes)"), std::string::npos) << forced.value().summary;
}

TEST_F(RawMode, DeviceHoldingAFilesystemIsRefusedUnlessForced) {
    ASSERT_EQ(std::system(("mkfs.ext4 -q -F " + device + " >/dev/null 2>&1").c_str()), 0);
    const std::vector<std::byte> before = read_file(device);

    auto probed = transport.probe(target({{"mode", "raw"}, {"device", device}}), call);
    ASSERT_FALSE(probed.is_ok());
    EXPECT_EQ(probed.status().code(), Code::invalid_config);
    EXPECT_EQ(probed.status().stage(), Stage::probe);
    EXPECT_NE(probed.status().message().find("local: " + device + " holds an ext2/3/4 filesystem"), std::string::npos)
        << probed.status().message();
    EXPECT_NE(probed.status().message().find("force = yes"), std::string::npos) << probed.status().message();

    auto refused = open();
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), Code::invalid_config);
    EXPECT_EQ(refused.status().stage(), Stage::open);
    EXPECT_NE(refused.status().message().find("ext2/3/4 filesystem"), std::string::npos) << refused.status().message();
    EXPECT_TRUE(read_file(device) == before) << "a refused open wrote to the device";

    auto sink = transport.open(target({{"mode", "raw"}, {"device", device}, {"force", "yes"}}), dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    ASSERT_TRUE(sink.value()->commit(call).is_ok());
    EXPECT_EQ(header().state, raw::State::complete);
}

TEST_F(RawMode, UnknownDataIsRefusedNamingItsFirstNonZeroOffset) {
    {
        UniqueFd fd(::open(device.c_str(), O_WRONLY | O_CLOEXEC));
        ASSERT_TRUE(fd);
        ASSERT_EQ(::pwrite(fd.get(), "x", 1, 70000), 1);
    }
    auto refused = open();
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), Code::invalid_config);
    EXPECT_NE(refused.status().message().find("first non-zero byte is at offset 70000"), std::string::npos)
        << refused.status().message();
}

TEST(LocalCheck, ForceIsForModeRawOnly) {
    EXPECT_TRUE(parse_local_options(target({{"mode", "raw"}, {"device", "/dev/sdb"}, {"force", "yes"}})).is_ok());
    auto dir = parse_local_options(target({{"path", "/var/crash"}, {"force", "yes"}}));
    ASSERT_FALSE(dir.is_ok());
    EXPECT_NE(dir.status().message().find("force applies to mode raw only"), std::string::npos)
        << dir.status().message();
}

}  // namespace
}  // namespace kdf::local::test
