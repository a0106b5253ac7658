// lvm_metadata_test.cpp - the userspace LVM2 reader against metadata lvm2 wrote: the shared image
// (with a marker at every MiB of each LV) and volumes made here on loop devices. Every mapping is
// checked against lvm2's own reports (lvs --segments seg_pe_ranges, pvs pe_start).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "kdf/unique_fd.h"
#include "lv_extent_map.h"
#include "lvm_lab.h"
#include "pv_scan.h"
#include "vg_locator.h"

namespace kdf::lvm {
namespace {

using test::LvmLab;

Result<LocatedVg> locate(const std::vector<std::string>& devices, const std::string& vg) {
    Result<PvScan> scan = scan_devices(devices, CallOptions{});
    if (!scan.is_ok()) return scan.take_status();
    return locate_volume_group(scan.value(), vg);
}

// The shared fixture image, decompressed once for the suite.
class SharedImage : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new kdf::test::TempDir("kdf-lvm-img");
        image_ = dir_->file("lvm-2lv.img");
        // Sparse: the image is mostly zeros, and writing 256 MiB of them would dominate the suite.
        test::CommandResult r = test::run_shell("xz -dc " KDF_SHARED_DIR "/fixtures/lvm/lvm-2lv.img.xz | cp --sparse=always /dev/stdin " + image_);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static inline kdf::test::TempDir* dir_ = nullptr;
    static inline std::string image_;
};

TEST_F(SharedImage, EveryMarkerLiesWhereTheMapSays) {
    Result<LocatedVg> vg = locate({image_}, "vgkdump");
    ASSERT_TRUE(vg.is_ok()) << vg.take_status().message();
    EXPECT_EQ(vg->vg.seqno, 4u);
    EXPECT_EQ(vg->vg.extent_size * 512, 4u << 20);
    ASSERT_EQ(vg->vg.pvs.size(), 1u);
    EXPECT_EQ(vg->vg.pvs[0].uuid, "ymCk2q-j0hu-3FSx-R39q-VpBY-2w5H-Kf4ejT");  // pvs.txt
    EXPECT_EQ(vg->vg.pvs[0].pe_start * 512, 1048576u);                         // pvs.txt: 1st PE
    EXPECT_EQ(vg->pv_devices[0], image_);

    Result<LvExtentMap> split = map_logical_volume(vg->vg, "lvsplit");
    Result<LvExtentMap> linear = map_logical_volume(vg->vg, "lvlinear");
    ASSERT_TRUE(split.is_ok()) << split.take_status().message();
    ASSERT_TRUE(linear.is_ok()) << linear.take_status().message();
    EXPECT_EQ(split->size(), 96u << 20);   // lvs-segments.txt: 64 MiB + 32 MiB
    EXPECT_EQ(linear->size(), 40u << 20);

    UniqueFd fd(::open(image_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    std::ifstream markers(KDF_SHARED_DIR "/fixtures/lvm/markers.txt");
    int checked = 0;
    for (std::string name, lv_off, img_off; markers >> name >> lv_off >> img_off;) {
        const uint64_t lv_offset = std::stoull(lv_off.substr(lv_off.find('=') + 1));
        const uint64_t image_offset = std::stoull(img_off.substr(img_off.find('=') + 1));
        const LvExtentMap& map = name == "lvsplit" ? split.value() : linear.value();
        std::vector<MappedPiece> pieces = map.map(lv_offset, 64);
        ASSERT_EQ(pieces.size(), 1u);
        EXPECT_EQ(pieces[0].pv_offset, image_offset) << name << " " << lv_offset;
        char buf[64] = {};
        ASSERT_EQ(::pread(fd.get(), buf, sizeof buf - 1, static_cast<off_t>(pieces[0].pv_offset)), 63);
        EXPECT_EQ(std::string(buf).substr(0, std::string(buf).find('\n')),
                  "LV=" + name + " OFF=" + std::to_string(lv_offset));
        ++checked;
    }
    EXPECT_EQ(checked, 24 * 4 + 10 * 4);  // every MiB of both LVs
}

TEST_F(SharedImage, SplitLvCrossesItsSegmentBoundaryInTwoPieces) {
    Result<LocatedVg> vg = locate({image_}, "vgkdump");
    ASSERT_TRUE(vg.is_ok());
    Result<LvExtentMap> split = map_logical_volume(vg->vg, "lvsplit");
    ASSERT_TRUE(split.is_ok());
    // lvs-segments.txt: LE 0-15 -> PE 0-15, LE 16-23 -> PE 26-33; 1st PE at 1 MiB.
    std::vector<MappedPiece> p = split->map((64u << 20) - 100, 200);
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].pv_offset, (1u << 20) + (64u << 20) - 100);
    EXPECT_EQ(p[0].length, 100u);
    EXPECT_EQ(p[1].pv_offset, (1u << 20) + 26ull * (4u << 20));
    EXPECT_EQ(p[1].length, 100u);
    EXPECT_TRUE(split->map(96u << 20, 1).empty());  // past the end
}

TEST_F(SharedImage, UnknownLvAndVgAreNamed) {
    Result<LocatedVg> vg = locate({image_}, "vgkdump");
    ASSERT_TRUE(vg.is_ok());
    Result<LvExtentMap> none = map_logical_volume(vg->vg, "nosuch");
    ASSERT_FALSE(none.is_ok());
    EXPECT_EQ(none.take_status().message(), "lvm: LV vgkdump/nosuch: no such LV in VG vgkdump (it has: lvsplit, lvlinear)");
    Result<LocatedVg> other = locate({image_}, "vg-other");
    ASSERT_FALSE(other.is_ok());
    Status s = other.take_status();
    EXPECT_EQ(s.code(), Code::not_found);
    EXPECT_NE(s.message().find("VGs seen: vgkdump"), std::string::npos) << s.message();
}

// Volumes lvm2 makes here, with '-' in every name: a linear LV, an LV whose second segment lvextend
// put on another PV, and a 2-way striped LV. Made once for the suite.
class LoopVolumes : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        lab_ = new LvmLab(3, 64ull << 20);
        ASSERT_TRUE(lab_->ready()) << lab_->error();
        const std::string d0 = lab_->device(0), d1 = lab_->device(1), d2 = lab_->device(2);
        lab_->must("pvcreate -y " + d0 + " " + d1 + " " + d2);
        lab_->must("vgcreate -s 4M vg-kdump-test " + d0 + " " + d1 + " " + d2);
        lab_->must("lvcreate -l 3 -n lv-linear vg-kdump-test " + d0);
        lab_->must("lvcreate -l 2 -n lv-two-pvs vg-kdump-test " + d0);
        lab_->must("lvextend -l +3 vg-kdump-test/lv-two-pvs " + d1);
        lab_->must("lvcreate -i 2 -I 64k -l 4 -n lv-striped vg-kdump-test " + d1 + " " + d2);
    }
    static void TearDownTestSuite() {
        delete lab_;
        lab_ = nullptr;
    }
    static inline LvmLab* lab_ = nullptr;
};

TEST_F(LoopVolumes, NewestOfSeveralMetadataCopiesIsUsed) {
    Result<LocatedVg> vg = locate(lab_->devices(), "vg-kdump-test");
    ASSERT_TRUE(vg.is_ok()) << vg.take_status().message();
    const std::string seqno = lab_->must("vgs --noheadings -o vg_seq_no vg-kdump-test");
    EXPECT_EQ(vg->vg.seqno, std::stoull(seqno));
    EXPECT_GE(vg->vg.seqno, 5u);  // vgcreate, 3 lvcreate, lvextend: older texts stay in the ring
    ASSERT_EQ(vg->vg.pvs.size(), 3u);
    std::map<std::string, std::string> uuids = lab_->uuid_by_device();
    for (size_t i = 0; i < 3; ++i) EXPECT_EQ(uuids.at(vg->pv_devices[i]), vg->vg.pvs[i].uuid);
}

TEST_F(LoopVolumes, EveryExtentAndStripeMapsWhereLvmReportsIt) {
    Result<LocatedVg> vg = locate(lab_->devices(), "vg-kdump-test");
    ASSERT_TRUE(vg.is_ok()) << vg.take_status().message();
    const auto segments = lab_->segments("vg-kdump-test");
    const auto pe_start = lab_->pe_start_by_device();
    const uint64_t extent = lab_->extent_size("vg-kdump-test");
    ASSERT_EQ(extent, 4u << 20);

    for (const char* name : {"lv-linear", "lv-two-pvs", "lv-striped"}) {
        Result<LvExtentMap> map = map_logical_volume(vg->vg, name);
        ASSERT_TRUE(map.is_ok()) << map.take_status().message();
        size_t reported_segments = 0;
        uint64_t reported_size = 0;
        for (const auto& s : segments) {
            if (s.lv != name) continue;
            ++reported_segments;
            reported_size += s.extent_count * extent;
        }
        EXPECT_EQ(map->runs().size(), reported_segments) << name;
        EXPECT_EQ(map->size(), reported_size) << name;
        // Each 64 KiB step (the stripe size), its last byte, and odd offsets in between.
        for (uint64_t off = 0; off < map->size(); off += 64 << 10) {
            for (uint64_t probe : {off, off + 65535, off + 4097}) {
                std::vector<MappedPiece> p = map->map(probe, 1);
                ASSERT_EQ(p.size(), 1u);
                auto [dev, at] = test::reported_location(segments, pe_start, extent, name, probe);
                ASSERT_EQ(vg->pv_devices[p[0].pv], dev) << name << " @" << probe;
                ASSERT_EQ(p[0].pv_offset, at) << name << " @" << probe;
            }
        }
    }
}

TEST_F(LoopVolumes, AStripedRangeSplitsAtEveryStripe) {
    Result<LocatedVg> vg = locate(lab_->devices(), "vg-kdump-test");
    ASSERT_TRUE(vg.is_ok());
    Result<LvExtentMap> map = map_logical_volume(vg->vg, "lv-striped");
    ASSERT_TRUE(map.is_ok());
    std::vector<MappedPiece> p = map->map(1000, 4 * 65536);
    ASSERT_EQ(p.size(), 5u);
    uint64_t total = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        total += p[i].length;
        if (i > 0) {
            EXPECT_NE(p[i].pv, p[i - 1].pv);  // alternates between the two PVs
        }
    }
    EXPECT_EQ(total, 4u * 65536);
    EXPECT_EQ(p[0].length, 65536u - 1000);
}

TEST_F(LoopVolumes, AMissingPvIsRefusedByUuid) {
    const std::string absent = lab_->uuid_by_device().at(lab_->device(2));
    Result<LocatedVg> vg = locate({lab_->device(0), lab_->device(1)}, "vg-kdump-test");
    ASSERT_FALSE(vg.is_ok());
    Status s = vg.take_status();
    EXPECT_EQ(s.code(), Code::not_found);
    EXPECT_NE(s.message().find("PV " + absent + " is missing"), std::string::npos) << s.message();
}

TEST_F(LoopVolumes, APvSeenTwiceIsRefusedByUuid) {
    // A second path to the same PV, as multipath or a cloned disk gives: the first MiB (label and
    // metadata area) of disk 2 copied into a file.
    const std::string twin = lab_->dir().file("twin.img");
    test::CommandResult r =
        test::run_shell("dd if=" + lab_->device(2) + " of=" + twin + " bs=1M count=1 status=none");
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<std::string> devices = lab_->devices();
    devices.push_back(twin);
    Result<LocatedVg> vg = locate(devices, "vg-kdump-test");
    ASSERT_FALSE(vg.is_ok());
    Status s = vg.take_status();
    const std::string uuid = lab_->uuid_by_device().at(lab_->device(2));
    EXPECT_NE(s.message().find("PV " + uuid + " found on both " + lab_->device(2) + " and " + twin),
              std::string::npos)
        << s.message();
}

// A VG whose layout lvm2 accepted through vgcfgrestore: LVs whose segments are not plain bytes.
class UnsupportedLayouts : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        lab_ = new LvmLab(2, 64ull << 20);
        ASSERT_TRUE(lab_->ready()) << lab_->error();
        const std::string d0 = lab_->device(0), d1 = lab_->device(1);
        lab_->must("pvcreate -y " + d0 + " " + d1);
        lab_->must("vgcreate -s 4M vg-odd " + d0 + " " + d1);
        lab_->must("lvcreate -l 2 -n lv-origin vg-odd " + d0);
        lab_->must("lvcreate -l 1 -n lv-cow vg-odd " + d0);
        const std::string backup = lab_->dir().file("vg-odd.vgcfg");
        lab_->must("vgcfgbackup -f " + backup + " vg-odd");
        std::ifstream in(backup);
        std::stringstream text;
        text << in.rdbuf();
        std::string vg = text.str();
        const std::string anchor = "\t\tlv-origin {";
        const size_t at = vg.find(anchor);
        ASSERT_NE(at, std::string::npos);
        vg.insert(at, extra_lvs());
        std::ofstream(backup) << vg;
        lab_->must("vgcfgrestore -f " + backup + " vg-odd");
    }
    static void TearDownTestSuite() {
        delete lab_;
        lab_ = nullptr;
    }

    static std::string linear_lv(const std::string& name, const std::string& id, const char* status, int extents,
                                 const std::string& pv, int pe) {
        return "\t\t" + name + " {\n\t\t\tid = \"" + id + "\"\n\t\t\tstatus = [" + status +
               "]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n"
               "\t\t\t\textent_count = " + std::to_string(extents) +
               "\n\t\t\t\ttype = \"striped\"\n\t\t\t\tstripe_count = 1\n\t\t\t\tstripes = [\"" + pv + "\", " +
               std::to_string(pe) + "]\n\t\t\t}\n\t\t}\n";
    }

    // A raid1 LV (two legs of metadata + image sub-LVs), and an old-style snapshot of lv-origin
    // whose copy-on-write store is lv-cow.
    static std::string extra_lvs() {
        const char* hidden = "\"READ\", \"WRITE\"";
        return "\t\tlv-raid {\n\t\t\tid = \"Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff01\"\n"
               "\t\t\tstatus = [\"READ\", \"WRITE\", \"VISIBLE\"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n"
               "\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 2\n\t\t\t\ttype = \"raid1\"\n"
               "\t\t\t\tdevice_count = 2\n\t\t\t\tregion_size = 1024\n\t\t\t\traids = [\"lv-raid_rmeta_0\", "
               "\"lv-raid_rimage_0\", \"lv-raid_rmeta_1\", \"lv-raid_rimage_1\"]\n\t\t\t}\n\t\t}\n" +
               linear_lv("lv-raid_rmeta_0", "Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff02", hidden, 1, "pv0", 5) +
               linear_lv("lv-raid_rimage_0", "Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff03", hidden, 2, "pv0", 6) +
               linear_lv("lv-raid_rmeta_1", "Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff04", hidden, 1, "pv1", 0) +
               linear_lv("lv-raid_rimage_1", "Raid01-aaaa-bbbb-cccc-dddd-eeee-ffff05", hidden, 2, "pv1", 1) +
               "\t\tsnapshot0 {\n\t\t\tid = \"Snap01-aaaa-bbbb-cccc-dddd-eeee-ffff06\"\n"
               "\t\t\tstatus = [\"READ\"]\n\t\t\tflags = []\n\t\t\tsegment_count = 1\n"
               "\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 2\n\t\t\t\ttype = \"snapshot\"\n"
               "\t\t\t\tchunk_size = 8\n\t\t\t\torigin = \"lv-origin\"\n\t\t\t\tcow_store = \"lv-cow\"\n\t\t\t}\n\t\t}\n";
    }

    static inline LvmLab* lab_ = nullptr;
};

TEST_F(UnsupportedLayouts, LvmReportsThem) {
    const std::string lvs = lab_->must("lvs -a --noheadings -o lv_name,segtype vg-odd");
    EXPECT_NE(lvs.find("raid1"), std::string::npos) << lvs;
    EXPECT_NE(lvs.find("lv-origin"), std::string::npos) << lvs;
}

TEST_F(UnsupportedLayouts, RaidSnapshotOriginAndSnapshotAreRefusedByName) {
    Result<LocatedVg> vg = locate(lab_->devices(), "vg-odd");
    ASSERT_TRUE(vg.is_ok()) << vg.take_status().message();
    Result<LvExtentMap> raid = map_logical_volume(vg->vg, "lv-raid");
    ASSERT_FALSE(raid.is_ok());
    EXPECT_EQ(raid.take_status().message(),
              "lvm: LV vg-odd/lv-raid: segment1 (extents 0+2) is of type 'raid1'; only linear and striped LVs can be "
              "written without device-mapper");
    Result<LvExtentMap> origin = map_logical_volume(vg->vg, "lv-origin");
    ASSERT_FALSE(origin.is_ok());
    EXPECT_NE(origin.take_status().message().find("has snapshot 'snapshot0'"), std::string::npos);
    Result<LvExtentMap> snap = map_logical_volume(vg->vg, "snapshot0");
    ASSERT_FALSE(snap.is_ok());
    EXPECT_NE(snap.take_status().message().find("of type 'snapshot'"), std::string::npos);
    // The raid's legs are plain linear LVs; the COW store too (a raw write there is the user's
    // explicit choice of that name).
    EXPECT_TRUE(map_logical_volume(vg->vg, "lv-raid_rimage_0").is_ok());
}

TEST_F(UnsupportedLayouts, ACorruptMetadataChecksumIsRefused) {
    // Flip one byte of the current metadata text on the second PV: its checksum no longer holds.
    const std::string dev = lab_->device(1);
    UniqueFd fd(::open(dev.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    unsigned char mda[512];
    ASSERT_EQ(::pread(fd.get(), mda, sizeof mda, 4096), 512);
    uint64_t text_offset = 0;
    std::memcpy(&text_offset, mda + 40, 8);
    unsigned char byte = 0;
    const off_t at = static_cast<off_t>(4096 + text_offset + 10);
    ASSERT_EQ(::pread(fd.get(), &byte, 1, at), 1);
    byte ^= 0x20;
    ASSERT_EQ(::pwrite(fd.get(), &byte, 1, at), 1);
    ::fsync(fd.get());

    Result<LocatedVg> vg = locate(lab_->devices(), "vg-odd");
    byte ^= 0x20;  // put it back for the other cases
    ASSERT_EQ(::pwrite(fd.get(), &byte, 1, at), 1);
    ASSERT_FALSE(vg.is_ok());
    Status s = vg.take_status();
    EXPECT_EQ(s.code(), Code::corrupt);
    EXPECT_NE(s.message().find("metadata text checksum mismatch"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(lab_->uuid_by_device().at(dev)), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kdf::lvm
