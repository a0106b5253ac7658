// The kernel log of real crashed Debian kernels (6.1 and 6.12, lockless printk ring) must be byte
// for byte what Debian's makedumpfile 1.7.2 wrote for the same vmcore, end with the sysrq panic,
// and come out the same through every way we offer it: the library, `kdump-failover dmesg`,
// `collect --dump-dmesg`, a kdump-compressed copy, and vmcore-dmesg.txt beside a chain dump.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/dmesg/kernel_log.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text_file.h"

namespace kdf::dmesg {
namespace {

// Debian installs makedumpfile in /usr/bin (older packages: /usr/sbin); "" when it is absent.
std::string makedumpfile_path() {
    for (const char* p : {"/usr/bin/makedumpfile", "/usr/sbin/makedumpfile"})
        if (std::filesystem::exists(p)) return p;
    return {};
}

namespace fs = std::filesystem;

class RealKernelLog : public ::testing::TestWithParam<const char*> {
protected:
    std::string vmcore() const { return std::string(KDF_BUILD_DIR) + "/fixtures/" + GetParam(); }
    std::string reference() const {
        return kdf_test::read_text_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/" + GetParam() + ".dmesg-1.7.2.txt");
    }
};

TEST_P(RealKernelLog, EqualsMakedumpfile172ByteForByteAndHoldsThePanic) {
    const std::string want = reference();
    ASSERT_GT(want.size(), 10000u) << "reference text missing";
    auto log = read_kernel_log_file(vmcore());
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->layout, "printk_ringbuffer");
    EXPECT_FALSE(log->truncated()) << log->note;
    EXPECT_TRUE(log->text == want) << "first difference at byte "
                                   << std::mismatch(log->text.begin(), log->text.end(), want.begin(), want.end()).first -
                                          log->text.begin();
    // README-a/-c: both kernels were crashed with `echo c > /proc/sysrq-trigger`.
    EXPECT_NE(log->text.find("] Kernel panic - not syncing: sysrq triggered crash\n"), std::string::npos);
    EXPECT_NE(log->text.find("] sysrq: Trigger a crash\n"), std::string::npos);
}

TEST_P(RealKernelLog, CommandAndCollectWriteTheSameText) {
    kdf::test::TempDir dir("kdf-dmesg");
    const std::string want = reference();
    ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " dmesg '" + vmcore() + "' > '" + (dir / "stdout.txt") + "'"), 0);
    EXPECT_TRUE(kdf_test::read_text_file(dir / "stdout.txt") == want);
    ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " dmesg '" + vmcore() + "' -o '" + (dir / "o.txt") + "'"), 0);
    EXPECT_TRUE(kdf_test::read_text_file(dir / "o.txt") == want);
    EXPECT_EQ(fs::status(dir / "o.txt").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    // makedumpfile's form, as kdumpctl's core_collector would call it; an existing file needs -f.
    ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " collect --dump-dmesg '" + vmcore() + "' '" + (dir / "c.txt") + "'"), 0);
    EXPECT_TRUE(kdf_test::read_text_file(dir / "c.txt") == want);
    EXPECT_EQ(kdf_test::shell(std::string(KDF_CLI) + " collect --dump-dmesg '" + vmcore() + "' '" + (dir / "c.txt") + "' 2>/dev/null"), 1);
    EXPECT_EQ(kdf_test::shell(std::string(KDF_CLI) + " collect --dump-dmesg -f '" + vmcore() + "' '" + (dir / "c.txt") + "'"), 0);
}

// Our own kdump-compressed dumps (level 1 lzo, and level 31 zlib, which drops free, user and cache
// pages) still hold the log; it is read through the crashed kernel's page tables as on the ELF
// vmcore, and makedumpfile itself reads the same text out of each file.
TEST_P(RealKernelLog, KdumpCompressedCopyGivesTheSameText) {
    kdf::test::TempDir dir("kdf-dmesg");
    for (const char* options : {"-l -d 1", "-c -d 31"}) {
        SCOPED_TRACE(options);
        const std::string dump = dir / "dump.kdump";
        std::filesystem::remove(dump);
        ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " collect " + options + " --message-level 0 '" + vmcore() + "' '" + dump + "'"),
                  0);
        auto log = read_kernel_log_file(dump);
        ASSERT_TRUE(log.is_ok()) << log.status().to_string();
        EXPECT_TRUE(log->text == reference());
        if (!makedumpfile_path().empty()) {
            std::filesystem::remove(dir / "m.txt");
            ASSERT_EQ(kdf_test::shell(makedumpfile_path() + " --dump-dmesg '" + dump + "' '" + (dir / "m.txt") + "' >/dev/null 2>&1"), 0);
            EXPECT_TRUE(kdf_test::read_text_file(dir / "m.txt") == log->text);
        }
    }
}

// A chain dump to a local directory: vmcore-dmesg.txt lands beside the vmcore with the same text;
// with [dump] dmesg = no there is none.
TEST_P(RealKernelLog, ChainDumpWritesVmcoreDmesgBesideTheVmcore) {
    kdf::test::TempDir dir("kdf-dmesg");
    for (const bool want_dmesg : {true, false}) {
        const fs::path out = dir / (want_dmesg ? "with" : "without");
        fs::create_directories(out);
        const std::string conf = dir.write(want_dmesg ? "with.conf" : "without.conf",
                                           std::string("[dump]\nlevel = 1\ncompress = lz4\ndmesg = ") +
                                               (want_dmesg ? "yes" : "no") +
                                               "\n\n[chain]\ntargets = here\n\n[target here]\ntype = local\npath = " +
                                               out.string() + "\n");
        const std::string cmd = "KDF_PLUGIN_PATH='" KDF_PLUGIN_BUILD_DIR "' " KDF_CLI " dump --config '" + conf +
                                "' --vmcore '" + vmcore() + "' >/dev/null 2>'" + (dir / "err.txt") + "'";
        ASSERT_EQ(kdf_test::shell(cmd), 0) << kdf_test::read_text_file(dir / "err.txt");
        fs::path vmcore_file, dmesg_file;
        for (const auto& e : fs::recursive_directory_iterator(out)) {
            if (e.path().filename() == "vmcore") vmcore_file = e.path();
            if (e.path().filename() == "vmcore-dmesg.txt") dmesg_file = e.path();
        }
        ASSERT_FALSE(vmcore_file.empty());
        if (want_dmesg) {
            ASSERT_FALSE(dmesg_file.empty());
            EXPECT_EQ(dmesg_file.parent_path(), vmcore_file.parent_path());
            EXPECT_TRUE(kdf_test::read_text_file(dmesg_file) == reference());
            EXPECT_EQ(kdf_test::read_text_file(dir / "err.txt").find("warning"), std::string::npos) << kdf_test::read_text_file(dir / "err.txt");
        } else {
            EXPECT_TRUE(dmesg_file.empty());
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Debian, RealKernelLog, ::testing::Values("vmcore-6.1-a", "vmcore-6.12-c"),
                         [](const auto& p) { return std::string(p.param) == "vmcore-6.1-a" ? "v6_1" : "v6_12"; });

}  // namespace
}  // namespace kdf::dmesg
