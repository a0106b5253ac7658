// raw_volume_safety_test.cpp - inspect_volume()/refuse_unless_forced() on real signatures made by
// real tools (mkfs.ext4, mkswap, sfdisk's GPT, cryptsetup's LUKS, mkfs.xfs, mksquashfs, genisoimage,
// the shared lvm2-made PV) and kdf raw dump headers of this host and another (written through
// RawVolumeSink); byte patterns at the documented offsets for what Debian cannot make here (GFS2,
// OCFS2, Oracle ASM, ZFS, bcache, VDO); damaged and newer-version kdf headers; data of no known kind.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <tuple>

#include "kdf/fd_raw_volume.h"
#include "kdf/raw_volume_safety.h"
#include "kdf/raw_volume_sink.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace kdf;

std::unique_ptr<FdRawVolume> volume_of(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    EXPECT_TRUE(fd) << path;
    const uint64_t size = std::filesystem::file_size(path);
    return std::make_unique<FdRawVolume>("test", std::move(fd), path, size, false);
}

std::string blank(const kdf::test::TempDir& tmp, const std::string& name, uint64_t mib = 16) {
    const std::string path = tmp.file(name);
    std::filesystem::resize_file(tmp.write(name, ""), mib << 20);
    return path;
}

std::string foreign_of(const std::string& path, const std::string& host = "node1") {
    auto v = volume_of(path);
    auto c = inspect_volume(*v, host, CallOptions{});
    EXPECT_TRUE(c.is_ok()) << c.status().to_string();
    return c.is_ok() ? c->foreign : "read failed";
}

TEST(RawVolumeSafety, RealSignaturesAreNamedAndRefusedUnlessForced) {
    kdf::test::TempDir tmp("kdf-safety");
    EXPECT_EQ(foreign_of(blank(tmp, "zero")), "");

    const std::string ext4 = blank(tmp, "ext4");
    ASSERT_EQ(std::system(("mkfs.ext4 -q -F " + ext4 + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(ext4), "an ext2/3/4 filesystem");

    const std::string swap = blank(tmp, "swap");
    ASSERT_EQ(std::system(("mkswap " + swap + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(swap), "a swap area");

    const std::string table = blank(tmp, "table");
    ASSERT_EQ(std::system(("echo 'label: gpt' | sfdisk -q " + table + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(table), "a GPT partition table");

    // The shared lvm2-made fixture (a PV with two LVs), decompressed here.
    const std::string pv = tmp.file("pv");
    ASSERT_EQ(std::system(("xz -dc " KDF_SHARED_DIR "/fixtures/lvm/lvm-2lv.img.xz > " + pv).c_str()), 0);
    EXPECT_EQ(foreign_of(pv), "an LVM2 physical volume label");

    auto v = volume_of(ext4);
    auto c = inspect_volume(*v, "node1", CallOptions{});
    ASSERT_TRUE(c.is_ok());
    Status refused = refuse_unless_forced("test", *v, c.value(), false);
    EXPECT_EQ(refused.code(), Code::invalid_config);
    EXPECT_NE(refused.message().find(ext4 + " holds an ext2/3/4 filesystem"), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("force = yes"), std::string::npos);
    EXPECT_TRUE(refuse_unless_forced("test", *v, c.value(), true).is_ok());
}

TEST(RawVolumeSafety, AnotherHostsUnsavedDumpIsForeignOursIsNot) {
    kdf::test::TempDir tmp("kdf-safety");
    const std::string lun = blank(tmp, "lun");
    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-11-23-19:04:05";
    d.final_name = "vmcore";
    d.format = "kdump";
    {
        auto sink = RawVolumeSink::open("test", volume_of(lun), d, CallOptions{});
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        ASSERT_TRUE(sink.value()->commit(CallOptions{}).is_ok());
    }
    EXPECT_EQ(foreign_of(lun, "node1"), "");
    EXPECT_NE(foreign_of(lun, "node2").find("a dump of another host ('node1'"), std::string::npos);
    auto v = volume_of(lun);
    auto c = inspect_volume(*v, "node1", CallOptions{});
    ASSERT_TRUE(c.is_ok());
    EXPECT_NE(c->holds.find("not saved yet"), std::string::npos) << c->holds;
}

void write_at(const std::string& path, uint64_t offset, const void* bytes, size_t n) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(fd) << path;
    ASSERT_EQ(::pwrite(fd.get(), bytes, n, static_cast<off_t>(offset)), static_cast<ssize_t>(n));
}

TEST(RawVolumeSafety, LuksMadeByCryptsetupIsRefused) {
    kdf::test::TempDir tmp("kdf-safety");
    const std::string luks = blank(tmp, "luks", 32);
    const std::string key = tmp.write("key", "not-a-real-key");
    ASSERT_EQ(std::system(("cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "
                           "--key-file " + key + " " + luks + " >/dev/null 2>&1")
                              .c_str()),
              0);
    EXPECT_EQ(foreign_of(luks), "a LUKS encrypted volume header");
}

TEST(RawVolumeSafety, XfsSquashfsAndIsoMadeByTheirToolsAreRefused) {
    kdf::test::TempDir tmp("kdf-safety");
    // mkfs.xfs wants at least 300 MiB; the file is sparse.
    const std::string xfs = blank(tmp, "xfs", 320);
    ASSERT_EQ(std::system(("mkfs.xfs -q -f " + xfs + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(xfs), "an XFS filesystem");

    const std::string tree = tmp.file("tree");
    std::filesystem::create_directory(tree);
    tmp.write("tree/notes.txt", "some files a cluster node shares\n");
    const std::string squash = tmp.file("squash");
    ASSERT_EQ(std::system(("mksquashfs " + tree + " " + squash + " -quiet -no-progress >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(squash), "a squashfs filesystem");

    const std::string iso = tmp.file("iso");
    ASSERT_EQ(std::system(("genisoimage -quiet -o " + iso + " " + tree + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(foreign_of(iso), "an ISO 9660 filesystem");
}

TEST(RawVolumeSafety, SharedStorageFormatsAreNamedAtTheirOffsets) {
    kdf::test::TempDir tmp("kdf-safety");
    struct Case {
        uint64_t offset;
        std::string bytes;
        const char* named;
    };
    const Case cases[] = {
        {65536, std::string("\x01\x16\x19\x70", 4), "a GFS2 cluster filesystem"},
        {1024, "OCFSV2", "an OCFS2 cluster filesystem"},
        {8192, "OCFSV2", "an OCFS2 cluster filesystem"},
        {32, "ORCLDISK", "an Oracle ASM disk"},
        {0, "hsqs", "a squashfs filesystem"},
        {32769, "CD001", "an ISO 9660 filesystem"},
        {0, "dmvdo001", "a VDO volume"},
        {4096 + 24, "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81", "a bcache device"},
        {128 * 1024 + 3 * 1024, std::string("\x0c\xb1\xba\x00\x00\x00\x00\x00", 8), "a ZFS pool label"},
        {128 * 1024, std::string("\x00\x00\x00\x00\x00\xba\xb1\x0c", 8), "a ZFS pool label"},
    };
    for (const Case& c : cases) {
        const std::string path = blank(tmp, "sig", 1);
        write_at(path, c.offset, c.bytes.data(), c.bytes.size());
        EXPECT_EQ(foreign_of(path), c.named) << "at offset " << c.offset;
    }
}

TEST(RawVolumeSafety, AnyNonZeroByteInTheFirst128KiBIsRefusedNamingItsOffset) {
    kdf::test::TempDir tmp("kdf-safety");
    for (uint64_t offset : {0ull, 4095ull, 65535ull, 131071ull}) {
        const std::string path = blank(tmp, "data", 1);
        write_at(path, offset, "\x01", 1);
        const std::string foreign = foreign_of(path);
        EXPECT_NE(foreign.find("the first non-zero byte is at offset " + std::to_string(offset)), std::string::npos)
            << foreign;
        auto v = volume_of(path);
        auto c = inspect_volume(*v, "node1", CallOptions{});
        ASSERT_TRUE(c.is_ok());
        EXPECT_EQ(refuse_unless_forced("test", *v, c.value(), false).code(), Code::invalid_config);
        EXPECT_TRUE(refuse_unless_forced("test", *v, c.value(), true).is_ok());
    }
    // A volume smaller than the inspected region is judged on what it has.
    const std::string small = tmp.file("small");
    std::filesystem::resize_file(tmp.write("small", ""), 8192);
    EXPECT_EQ(foreign_of(small), "");
    write_at(small, 8000, "\x01", 1);
    EXPECT_NE(foreign_of(small).find("offset 8000"), std::string::npos);
}

// A header with our magic that does not decode: whose dump it is cannot be told.
TEST(RawVolumeSafety, DamagedOrNewerDumpHeaderIsRefused) {
    kdf::test::TempDir tmp("kdf-safety");
    raw::Header h;
    h.state = raw::State::complete;
    h.host = "node2";
    h.dump_name = "node2-2026-12-05-10:00:00";
    h.format = "kdump";
    const std::vector<std::byte> good = raw::encode(h);
    ASSERT_FALSE(good.empty());

    std::vector<std::byte> torn = good;  // a bit flipped in the host name: checksum mismatch
    torn[60] ^= std::byte{0x20};
    std::vector<std::byte> newer = good;  // version 2 with a valid checksum
    newer[8] = std::byte{2};
    auto reseal = [](std::vector<std::byte>& b) {
        const uint32_t crc = raw::crc32(std::span<const std::byte>(b.data(), 4092));
        for (int i = 0; i < 4; ++i) b[4092 + i] = static_cast<std::byte>(crc >> (8 * i));
    };
    reseal(newer);
    std::vector<std::byte> bad_state = good;  // state 9 with a valid checksum
    bad_state[12] = std::byte{9};
    reseal(bad_state);

    for (const auto& [name, block, why] :
         {std::tuple{"torn", torn, "checksum mismatch"}, std::tuple{"newer", newer, "version not supported"},
          std::tuple{"bad_state", bad_state, "invalid field"}}) {
        const std::string path = blank(tmp, name, 1);
        write_at(path, 0, block.data(), block.size());
        // Even a header naming our own host is refused when it does not decode.
        const std::string foreign = foreign_of(path, "node2");
        EXPECT_NE(foreign.find("an unreadable kdump-failover dump header"), std::string::npos) << name << ": " << foreign;
        EXPECT_NE(foreign.find(why), std::string::npos) << name << ": " << foreign;
    }
}

}  // namespace
