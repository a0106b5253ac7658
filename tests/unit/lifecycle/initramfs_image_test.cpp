// Crash initramfs images as the kernel unpacks them: made here by cpio and the real compressors
// (an uncompressed early archive in front, as dracut and initramfs-tools write them), and the real
// kdump-tools image of the primed Debian root.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/lifecycle/initramfs_image.h"
#include "lifecycle_test_support.h"
#include "tests/support/temp_dir.h"

namespace kdf::lifecycle {
namespace {

using kdf::test::quote;
using kdf::test::sh;

class InitramfsImage : public ::testing::Test {
protected:
    kdf::test::TempDir dir{"kdf-initramfs"};
    void SetUp() override {
        dir.write("early/kernel/x86/microcode/GenuineIntel.bin", std::string(1000, 'm'));
        dir.write("main/usr/sbin/kdump-failover", std::string(5000, 'b'));
        dir.write("main/etc/kdump-failover.conf", "[chain]\ntargets = disk\n");
        std::filesystem::create_symlink("usr/sbin", dir / "main/sbin");
        ASSERT_EQ(sh("cd " + quote(dir / "early") + " && find . | cpio -o -H newc --quiet > ../early.cpio").status, 0);
        ASSERT_EQ(sh("cd " + quote(dir / "main") + " && find . | cpio -o -H newc --quiet > ../main.cpio").status, 0);
    }
    // early.cpio followed by main.cpio compressed with `compressor`.
    std::string image(const std::string& compressor) {
        const std::string out = dir / ("image." + compressor);
        EXPECT_EQ(sh("cd " + quote(dir.path()) + " && { cat early.cpio; " + compressor + " -c < main.cpio; } > " + quote(out)).status, 0);
        return out;
    }
};

TEST_F(InitramfsImage, EarlyCpioThenEachCompression) {
    for (const std::string c : {"gzip", "zstd", "xz"}) {
        const auto l = read_initramfs(image(c), {"etc/kdump-failover.conf"});
        ASSERT_EQ(l.error, "") << c;
        EXPECT_EQ(l.segments, (std::vector<std::string>{"cpio", c})) << c;
        bool early = false, binary = false, link = false;
        for (const auto& e : l.entries) {
            early |= e.name == "kernel/x86/microcode/GenuineIntel.bin" && e.size == 1000;
            binary |= e.name == "usr/sbin/kdump-failover" && e.size == 5000;
            link |= e.name == "sbin" && (e.mode & 0170000) == 0120000;
        }
        EXPECT_TRUE(early && binary && link) << c;
        EXPECT_EQ(l.contents.at("etc/kdump-failover.conf"), "[chain]\ntargets = disk\n") << c;
        EXPECT_EQ(l.unpacked_bytes, 1000u + 5000u + 23u) << c;
    }
}

TEST_F(InitramfsImage, PlainArchiveAndConcatenatedFrames) {
    auto plain = read_initramfs(dir / "main.cpio");
    EXPECT_EQ(plain.error, "");
    EXPECT_EQ(plain.segments, std::vector<std::string>{"cpio"});
    // Two zstd frames back to back, each a whole archive: both are read.
    ASSERT_EQ(sh("cd " + quote(dir.path()) + " && { zstd -qc < early.cpio; zstd -qc < main.cpio; } > two.img").status, 0);
    auto two = read_initramfs(dir / "two.img");
    EXPECT_EQ(two.error, "");
    EXPECT_EQ(two.unpacked_bytes, 6023u);
}

TEST_F(InitramfsImage, TruncatedAndForeignImagesSayWhereTheyBreak) {
    const std::string whole = kdf::test::slurp(image("zstd"));
    auto cut = read_initramfs_bytes(whole.substr(0, whole.size() - 40), "cut.img");
    const std::string early_at = std::to_string(kdf::test::slurp(dir / "early.cpio").size());
    EXPECT_NE(cut.error.find("cut.img: offset " + early_at + ": zstd stream: "), std::string::npos) << cut.error;
    auto foreign = read_initramfs_bytes("BZh91AY&SY", "bz.img");
    EXPECT_EQ(foreign.error, "bz.img: offset 0: neither a cpio archive nor a gzip, zstd or xz stream (starts with 425a)");
    EXPECT_NE(read_initramfs(dir / "absent").error.find("cannot read"), std::string::npos);
}

// kdump-tools' own crash initrd (mkinitramfs, zstd), as the primed Debian root holds it after its
// first boot; read out of the image with debugfs.
TEST(InitramfsImageDebian, KdumpToolsImageOfThePrimedDebianRoot) {
    const std::string cache = "/var/cache/kdump-failover/debian-root";
    const std::string img = sh("ls " + cache + "/*/root.img 2>/dev/null | head -1").out;
    ASSERT_FALSE(img.empty()) << cache << " has no primed Debian root: tools/install-deps.sh makes it";
    kdf::test::TempDir dir("kdf-initramfs-debian");
    const std::string root = img.substr(0, img.size() - 1);
    const std::string name = sh("debugfs -R 'ls /var/lib/kdump' " + quote(root) + " 2>/dev/null | tr ' ' '\\n' | grep '^initrd.img-'").out;
    ASSERT_FALSE(name.empty());
    const std::string file = name.substr(0, name.find('\n'));
    ASSERT_EQ(sh("debugfs -R " + quote("dump /var/lib/kdump/" + file + " " + dir / "initrd") + " " + quote(root) +
                 " > /dev/null 2>&1").status, 0);
    auto l = read_initramfs(dir / "initrd");
    ASSERT_EQ(l.error, "");
    EXPECT_EQ(l.segments.back(), "zstd");
    bool init = false, modules = false;
    for (const auto& e : l.entries) {
        init |= e.name == "init";
        modules |= e.name.starts_with("usr/lib/modules/") || e.name.starts_with("lib/modules/");
    }
    EXPECT_TRUE(init && modules) << l.entries.size() << " entries";
    // zstd's and cpio's own reading of the same bytes lists the same entries.
    ASSERT_EQ(l.segments, std::vector<std::string>{"zstd"}) << "the recipe makes one zstd archive";
    const auto listed = sh("zstd -dc " + quote(dir / "initrd") + " | cpio -it --quiet | wc -l");
    ASSERT_EQ(listed.status, 0);
    EXPECT_EQ(std::stoul(listed.out), l.entries.size());
}

}  // namespace
}  // namespace kdf::lifecycle
