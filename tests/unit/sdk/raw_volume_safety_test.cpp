// raw_volume_safety_test.cpp - inspect_volume()/refuse_unless_forced() on real signatures: a file
// formatted by mkfs.ext4, the shared lvm2-made PV, an sfdisk-made GPT, mkswap, and kdf raw dump
// headers of this host and another (written through RawVolumeSink).
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cstdlib>
#include <filesystem>

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

}  // namespace
