// lvm_raw_mode_test.cpp - mode raw end to end on volumes lvm2 made on loop devices: a dump through
// the transport lands, byte for byte, where lvm2's reports say the LV lives (read back from the
// loop devices directly, not through our map), reads back through the lvm:// opener, and leaves
// every byte outside the LV as it was. Each bad input is refused with a clear error before
// anything is written.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "kdf/dump_host.h"
#include "kdf/raw_dump_header.h"
#include "kdf/raw_volume_safety.h"
#include "kdf/unique_fd.h"
#include "lvm_lab.h"
#include "lvm_transport.h"

namespace kdf::lvm {
namespace {

using Bytes = std::vector<std::byte>;

Bytes pattern(size_t size, uint32_t seed) {
    Bytes out(size);
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i < size; i += 8) {
        const uint64_t v = rng();
        std::memcpy(out.data() + i, &v, std::min<size_t>(8, size - i));
    }
    return out;
}

Bytes read_device(const std::string& device, uint64_t offset, uint64_t size) {
    UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    Bytes out(size);
    if (!fd || !pread_full(fd.get(), out.data(), size, offset, "read").is_ok()) out.clear();
    return out;
}

TargetConfig target(const std::map<std::string, std::string>& keys) {
    TargetConfig t;
    t.name = "lv";
    t.type = "lvm";
    t.where = "test.conf:1";
    int line = 2;
    for (const auto& [k, v] : keys) t.options[k] = OptionValue{v, "test.conf:" + std::to_string(line++)};
    return t;
}

DumpInfo dump_info(uint64_t size_hint) {
    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-12-05-13:00:00";
    d.final_name = "vmcore";
    d.format = "kdump";
    d.size_hint = size_hint;
    d.started_unix = 1'796'000'000;
    return d;
}

constexpr uint64_t disk_size = 8u << 20;

// Three 8 MiB disks filled with a pattern before lvm2 touched them (so a stray write of any
// value shows), then a VG with a linear, a two-PV and a striped LV, all names with '-', each LV's
// first 128 KiB zeroed (what a raw target must hold to be written without force).
class RawMode : public ::testing::Test {
protected:
    // lvm2 runs once for the suite; each test starts from the disks exactly as it left them.
    static void SetUpTestSuite() {
        lab_ = new test::LvmLab(3, disk_size);
        ASSERT_TRUE(lab_->ready()) << lab_->error();
        for (size_t i = 0; i < 3; ++i) {
            Bytes fill = pattern(disk_size, 100 + static_cast<uint32_t>(i));
            UniqueFd fd(::open(lab_->device(i).c_str(), O_WRONLY | O_CLOEXEC));
            ASSERT_TRUE(fd);
            ASSERT_TRUE(pwrite_full(fd.get(), fill.data(), fill.size(), 0, "fill").is_ok());
            ::fsync(fd.get());
        }
        const std::string d0 = lab_->device(0), d1 = lab_->device(1), d2 = lab_->device(2);
        lab_->must("pvcreate -y " + d0 + " " + d1 + " " + d2);
        lab_->must("vgcreate -s 1M vg-dump-test " + d0 + " " + d1 + " " + d2);
        lab_->must("lvcreate -l 4 -n lv-linear vg-dump-test " + d0);
        lab_->must("lvcreate -l 2 -n lv-two-pvs vg-dump-test " + d0);
        lab_->must("lvextend -l +2 vg-dump-test/lv-two-pvs " + d1);
        lab_->must("lvcreate -i 2 -I 64k -l 4 -n lv-striped vg-dump-test " + d1 + " " + d2);
        segments_ = lab_->segments("vg-dump-test");
        pe_start_ = lab_->pe_start_by_device();
        extent_ = lab_->extent_size("vg-dump-test");
        // A raw target must start with zeros (or a dump header) to be written without force: the
        // first 128 KiB of each LV are zeroed where lvm2 reports them; the pattern stays elsewhere.
        for (const char* lv : {"lv-linear", "lv-two-pvs", "lv-striped"}) {
            const Bytes zeros(512, std::byte{0});
            for (uint64_t at = 0; at < volume_inspect_bytes; at += 512) {
                auto [dev, where] = test::reported_location(segments_, pe_start_, extent_, lv, at);
                UniqueFd fd(::open(dev.c_str(), O_WRONLY | O_CLOEXEC));
                ASSERT_TRUE(fd) << dev;
                ASSERT_TRUE(pwrite_full(fd.get(), zeros.data(), zeros.size(), where, "zero").is_ok());
            }
        }
        pristine_ = new std::vector<Bytes>(snapshot());
    }
    static void TearDownTestSuite() {
        delete pristine_;
        delete lab_;
        pristine_ = nullptr;
        lab_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(lab_ && lab_->ready() && pristine_);
        for (size_t i = 0; i < 3; ++i) {
            UniqueFd fd(::open(lab_->device(i).c_str(), O_WRONLY | O_CLOEXEC));
            ASSERT_TRUE(fd);
            ASSERT_TRUE(pwrite_full(fd.get(), (*pristine_)[i].data(), disk_size, 0, "restore").is_ok());
            ::fsync(fd.get());
        }
        devices_ = lab_->device(0) + " " + lab_->device(1) + " " + lab_->device(2);
    }

    static std::vector<Bytes> snapshot() {
        std::vector<Bytes> out;
        for (const std::string& d : lab_->devices()) out.push_back(read_device(d, 0, disk_size));
        return out;
    }

    // The LV's bytes [offset, offset+size) taken from the disks' contents at the places lvm2's
    // own reports give (lvs --segments seg_pe_ranges, pvs pe_start), 512 bytes at a time.
    Bytes read_lv_as_lvm_reports(const std::string& lv, uint64_t offset, uint64_t size) const {
        return lv_bytes_as_lvm_reports(snapshot(), lv, offset, size);
    }
    Bytes lv_bytes_as_lvm_reports(const std::vector<Bytes>& disks, const std::string& lv, uint64_t offset,
                                  uint64_t size) const {
        const auto& segments = segments_;
        const auto& pe_start = pe_start_;
        const uint64_t extent = extent_;
        Bytes out;
        out.reserve(size);
        for (uint64_t at = offset; at < offset + size; at += 512) {
            auto [dev, where] = test::reported_location(segments, pe_start, extent, lv, at);
            size_t disk = 0;
            while (disk < 3 && lab_->device(disk) != dev) ++disk;
            if (disk == 3) return {};
            const uint64_t n = std::min<uint64_t>(512, offset + size - at);
            out.insert(out.end(), disks[disk].begin() + static_cast<ptrdiff_t>(where),
                       disks[disk].begin() + static_cast<ptrdiff_t>(where + n));
        }
        return out;
    }

    // Marks, in per-disk maps, every byte lvm2 says belongs to `lv`.
    std::vector<std::vector<bool>> lv_bytes(const std::string& lv) const {
        std::vector<std::vector<bool>> in(3, std::vector<bool>(disk_size, false));
        const auto& pe_start = pe_start_;
        const uint64_t extent = extent_;
        for (const auto& s : segments_) {
            if (s.lv != lv) continue;
            for (const auto& [dev, pe] : s.areas) {
                size_t disk = 0;
                while (lab_->device(disk) != dev) ++disk;
                const uint64_t begin = pe_start.at(dev) + pe * extent;
                const uint64_t len = s.extent_count / s.areas.size() * extent;
                for (uint64_t b = begin; b < begin + len; ++b) in[disk][b] = true;
            }
        }
        return in;
    }

    void dump_and_check(const std::string& lv) {
        const std::vector<Bytes> before = snapshot();
        LvmTransport transport;
        TargetConfig t = target({{"vg", "vg-dump-test"}, {"lv", lv}, {"devices", devices_}});
        ASSERT_TRUE(transport.check(t).is_ok());
        Result<ProbeReport> probe = transport.probe(t, CallOptions{});
        ASSERT_TRUE(probe.is_ok()) << probe.take_status().message();
        EXPECT_NE(probe->summary.find("lvm://vg-dump-test/" + lv), std::string::npos) << probe->summary;

        const Bytes dmesg = pattern(3000, 7);
        const Bytes data = pattern((2u << 20) + 333, 8);
        Result<std::unique_ptr<Sink>> sink = transport.open(t, dump_info(data.size()), CallOptions{});
        ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
        ASSERT_TRUE(sink.value()->put_file("vmcore-dmesg.txt", dmesg, CallOptions{}).is_ok());
        // Out of order, odd lengths: pieces cross extent and stripe boundaries.
        const size_t cut1 = (1u << 20) + 12345, cut2 = (1u << 20) + 400000;
        std::span<const std::byte> all(data);
        ASSERT_TRUE(sink.value()->write_at(cut2, all.subspan(cut2), CallOptions{}).is_ok());
        ASSERT_TRUE(sink.value()->write_at(0, all.subspan(0, cut1), CallOptions{}).is_ok());
        ASSERT_TRUE(sink.value()->write_at(cut1, all.subspan(cut1, cut2 - cut1), CallOptions{}).is_ok());
        Status c = sink.value()->commit(CallOptions{});
        ASSERT_TRUE(c.is_ok()) << c.message();

        // The header and data, read where lvm2 says the LV is.
        const std::vector<Bytes> after = snapshot();
        Bytes block = lv_bytes_as_lvm_reports(after, lv, 0, raw::header_size);
        raw::DecodeError err{};
        std::optional<raw::Header> h = raw::decode(block, err);
        ASSERT_TRUE(h) << raw::to_string(err);
        EXPECT_EQ(h->state, raw::State::complete);
        EXPECT_EQ(h->data_length, data.size());
        ASSERT_EQ(h->side_files.size(), 1u);
        EXPECT_EQ(lv_bytes_as_lvm_reports(after, lv, h->side_files[0].offset, h->side_files[0].length), dmesg);
        EXPECT_EQ(lv_bytes_as_lvm_reports(after, lv, h->data_offset, h->data_length), data);

        // Read back through the lvm:// opener `save` uses.
        Result<std::unique_ptr<RawVolume>> v =
            open_lvm_url("lvm://vg-dump-test/" + lv + "?devices=" + lab_->device(0) + "," + lab_->device(1) + "," +
                             lab_->device(2),
                         CallOptions{});
        ASSERT_TRUE(v.is_ok()) << v.take_status().message();
        Bytes back(data.size());
        ASSERT_TRUE(v.value()->read_at(h->data_offset, back, CallOptions{}).is_ok());
        EXPECT_EQ(back, data);

        // Nothing outside the LV changed.
        const auto inside = lv_bytes(lv);
        for (size_t disk = 0; disk < 3; ++disk) {
            size_t outside_changed = 0;
            for (size_t b = 0; b < after[disk].size(); ++b)
                if (!inside[disk][b] && after[disk][b] != before[disk][b]) ++outside_changed;
            EXPECT_EQ(outside_changed, 0u) << lab_->device(disk);
        }
    }

    // open() refuses with a message holding `expected`, and no byte of any disk changed.
    void expect_refused(const TargetConfig& t, uint64_t size_hint, const std::string& expected) {
        const std::vector<Bytes> before = snapshot();
        LvmTransport transport;
        Result<std::unique_ptr<Sink>> sink = transport.open(t, dump_info(size_hint), CallOptions{});
        ASSERT_FALSE(sink.is_ok());
        Status s = sink.take_status();
        EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
        EXPECT_EQ(s.stage(), Stage::open);
        EXPECT_TRUE(snapshot() == before) << "a refused open wrote to a disk";
    }

    static inline test::LvmLab* lab_ = nullptr;
    static inline std::vector<Bytes>* pristine_ = nullptr;
    // lvm2's reports of the suite's layout (lvs --segments, pvs pe_start, the extent size).
    static inline std::vector<test::ReportedSegment> segments_;
    static inline std::map<std::string, uint64_t> pe_start_;
    static inline uint64_t extent_ = 0;
    std::string devices_;
};

TEST_F(RawMode, LinearLvHoldsTheDumpWhereLvmSaysAndNothingElseChanges) { dump_and_check("lv-linear"); }
TEST_F(RawMode, TwoSegmentsOnTwoPvs) { dump_and_check("lv-two-pvs"); }
TEST_F(RawMode, StripedLv) { dump_and_check("lv-striped"); }

TEST_F(RawMode, AnLvTooSmallIsRefused) {
    expect_refused(target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}}), 4u << 20,
                   "less than the");
}

TEST_F(RawMode, AMissingPvIsRefused) {
    const std::string uuid = lab_->uuid_by_device().at(lab_->device(2));
    expect_refused(target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"},
                           {"devices", lab_->device(0) + " " + lab_->device(1)}}),
                   1u << 20, "PV " + uuid + " is missing");
}

TEST_F(RawMode, ADuplicatePvIsRefused) {
    const std::string twin = lab_->dir().file("twin.img");
    ASSERT_EQ(test::run_shell("dd if=" + lab_->device(0) + " of=" + twin + " bs=1M count=1 status=none").status, 0);
    const std::string uuid = lab_->uuid_by_device().at(lab_->device(0));
    expect_refused(target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_ + " " + twin}}), 1u << 20,
                   "PV " + uuid + " found on both");
}

TEST_F(RawMode, ACorruptMetadataChecksumIsRefused) {
    UniqueFd fd(::open(lab_->device(1).c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    std::byte mda[512];
    ASSERT_TRUE(pread_full(fd.get(), mda, sizeof mda, 4096, "read").is_ok());
    uint64_t text_offset = 0;
    std::memcpy(&text_offset, mda + 40, 8);
    std::byte b{};
    ASSERT_TRUE(pread_full(fd.get(), &b, 1, 4096 + text_offset + 20, "read").is_ok());
    b ^= std::byte{1};
    ASSERT_TRUE(pwrite_full(fd.get(), &b, 1, 4096 + text_offset + 20, "write").is_ok());
    ::fsync(fd.get());
    expect_refused(target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}}), 1u << 20,
                   "metadata text checksum mismatch");
}

TEST_F(RawMode, AnLvWithAFilesystemIsRefusedUnlessForced) {
    // A real ext4 made by mkfs, its first 64 KiB copied to the start of the LV (where lvm2 says it is).
    const std::string fs = lab_->dir().file("fs.img");
    ASSERT_EQ(test::run_shell("truncate -s 8M " + fs + " && mkfs.ext4 -q -F " + fs).status, 0);
    const auto segments = lab_->segments("vg-dump-test");
    auto [dev, at] = test::reported_location(segments, lab_->pe_start_by_device(),
                                             lab_->extent_size("vg-dump-test"), "lv-linear", 0);
    ASSERT_EQ(test::run_shell("dd if=" + fs + " of=" + dev + " bs=64k count=1 seek=" + std::to_string(at) +
                              " oflag=seek_bytes conv=notrunc status=none")
                  .status,
              0);
    TargetConfig t = target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}});
    LvmTransport transport;
    Result<ProbeReport> probe = transport.probe(t, CallOptions{});
    ASSERT_FALSE(probe.is_ok());
    EXPECT_NE(probe.take_status().message().find("ext2/3/4 filesystem"), std::string::npos);
    expect_refused(t, 1u << 20, "lvm://vg-dump-test/lv-linear holds an ext2/3/4 filesystem");

    t.options["force"] = OptionValue{"yes", "test.conf:9"};
    Result<std::unique_ptr<Sink>> sink = transport.open(t, dump_info(1u << 20), CallOptions{});
    ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
    ASSERT_TRUE(sink.value()->abort(CallOptions{}).is_ok());
}

// probe() gets no DumpInfo: it must name this host exactly as the chain's DumpInfo::host does, or
// this host's own unsaved dump would look like a stranger's and the target fail its check.
TEST_F(RawMode, ProbeAndOpenJudgeTheDumpsHostByTheSameName) {
    LvmTransport transport;
    TargetConfig t = target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}});
    DumpInfo ours = dump_info(1u << 20);
    ours.host = this_dump_host();
    {
        Result<std::unique_ptr<Sink>> sink = transport.open(t, ours, CallOptions{});
        ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
        ASSERT_TRUE(sink.value()->commit(CallOptions{}).is_ok());
    }
    Result<ProbeReport> probe = transport.probe(t, CallOptions{});
    ASSERT_TRUE(probe.is_ok()) << probe.take_status().message();
    EXPECT_NE(probe->summary.find("not saved yet"), std::string::npos) << probe->summary;

    DumpInfo theirs = dump_info(1u << 20);
    theirs.host = ours.host + "-other";
    {
        // Another host overwrites ours only by force: its open judges by its own name.
        TargetConfig forced = target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}, {"force", "yes"}});
        Result<std::unique_ptr<Sink>> sink = transport.open(forced, theirs, CallOptions{});
        ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
        ASSERT_TRUE(sink.value()->commit(CallOptions{}).is_ok());
    }
    probe = transport.probe(t, CallOptions{});
    ASSERT_FALSE(probe.is_ok());
    EXPECT_NE(probe.status().message().find("a dump of another host ('" + theirs.host + "'"), std::string::npos)
        << probe.status().message();
    EXPECT_EQ(transport.open(t, ours, CallOptions{}).status().code(), Code::invalid_config);
}

TEST_F(RawMode, ARaidLvIsRefusedByType) {
    // lvm2 cannot make a raid LV without device-mapper; it accepts one through vgcfgrestore.
    const std::string backup = lab_->dir().file("vg.vgcfg");
    lab_->must("vgcfgbackup -f " + backup + " vg-dump-test");
    std::string text = test::run_shell("cat " + backup).out;
    const std::string leg = "\t\t\tstatus = [\"READ\", \"WRITE\"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n"
                            "\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 1\n"
                            "\t\t\t\ttype = \"striped\"\n\t\t\t\tstripe_count = 1\n";
    const std::string raid =
        "\t\tlv-raid {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff01\"\n"
        "\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n"
        "\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 1\n\t\t\t\ttype = \"raid1\"\n"
        "\t\t\t\tdevice_count = 2\n\t\t\t\tregion_size = 1024\n"
        "\t\t\t\traids = [\"lv-raid_rmeta_0\", \"lv-raid_rimage_0\", \"lv-raid_rmeta_1\", \"lv-raid_rimage_1\"]\n"
        "\t\t\t}\n\t\t}\n"
        "\t\tlv-raid_rmeta_0 {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff02\"\n" + leg +
        "\t\t\t\tstripes = [\"pv2\", 2]\n\t\t\t}\n\t\t}\n"
        "\t\tlv-raid_rimage_0 {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff03\"\n" + leg +
        "\t\t\t\tstripes = [\"pv2\", 3]\n\t\t\t}\n\t\t}\n"
        "\t\tlv-raid_rmeta_1 {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff04\"\n" + leg +
        "\t\t\t\tstripes = [\"pv2\", 4]\n\t\t\t}\n\t\t}\n"
        "\t\tlv-raid_rimage_1 {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff05\"\n" + leg +
        "\t\t\t\tstripes = [\"pv2\", 5]\n\t\t\t}\n\t\t}\n";
    const size_t at = text.find("\t\tlv-linear {");
    ASSERT_NE(at, std::string::npos);
    text.insert(at, raid);
    lab_->dir().write("vg.vgcfg", text);
    lab_->must("vgcfgrestore -f " + backup + " vg-dump-test");
    ASSERT_NE(lab_->must("lvs --noheadings -o segtype vg-dump-test/lv-raid").find("raid1"), std::string::npos);
    expect_refused(target({{"vg", "vg-dump-test"}, {"lv", "lv-raid"}, {"devices", devices_}}), 1u << 20,
                   "is of type 'raid1'");
}

TEST_F(RawMode, AWriteAfterTheEndOfTheLvFailsAndWritesNothing) {
    LvmTransport transport;
    TargetConfig t = target({{"vg", "vg-dump-test"}, {"lv", "lv-linear"}, {"devices", devices_}});
    Result<std::unique_ptr<Sink>> sink = transport.open(t, dump_info(1u << 20), CallOptions{});
    ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
    const std::vector<Bytes> before = snapshot();
    const Bytes data = pattern(2u << 20, 3);
    Status s = sink.value()->write_at((3u << 20) - (1u << 20), data, CallOptions{});  // LV is 4 MiB, 3 for data
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), Code::no_space);
    EXPECT_TRUE(snapshot() == before);
    ASSERT_TRUE(sink.value()->abort(CallOptions{}).is_ok());
    raw::DecodeError err{};
    auto h = raw::decode(read_lv_as_lvm_reports("lv-linear", 0, raw::header_size), err);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->state, raw::State::aborted);
}

}  // namespace
}  // namespace kdf::lvm
