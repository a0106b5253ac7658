// The kernel log with and without makedumpfile 1.7.9's caller-id column, on the real arm64 crash
// (Debian 6.1.0-57-arm64: read through the arm64 translator) and the x86_64 6.1/6.12 crashes:
// with --caller-id the text is byte for byte 1.7.9's; without it, 1.7.9's with the column left
// out (continuation lines then indent to the shorter text column). The arm64 log also lands in
// vmcore-dmesg.txt beside a chain dump.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>

#include "core/dmesg/kernel_log.h"
#include "core/dmesg/log_line_formatter.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text_file.h"

namespace kdf::dmesg {
namespace {

namespace fs = std::filesystem;

// 1.7.9's text without its caller column: "[    0.000000] [      T0] x" -> "[    0.000000] x", and
// continuation lines lose the column's 11 characters of indent.
std::string without_caller_id(const std::string& text) {
    constexpr size_t kStamp = 15, kColumn = 11;  // "[%5llu.%06llu] ", "[%8s] "
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.size() >= kStamp + kColumn && line[0] == '[' && line[kStamp] == '[')
            line.erase(kStamp, kColumn);
        else if (line.compare(0, kStamp + kColumn, std::string(kStamp + kColumn, ' ')) == 0)
            line.erase(0, kColumn);
        out += line + '\n';
    }
    return out;
}

size_t first_difference(const std::string& a, const std::string& b) {
    return static_cast<size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

class CallerIdLog : public ::testing::TestWithParam<const char*> {
protected:
    std::string vmcore() const { return std::string(KDF_BUILD_DIR) + "/fixtures/" + GetParam(); }
    std::string reference179() const {
        return kdf_test::read_text_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/" + GetParam() + ".dmesg-1.7.9.txt");
    }
};

TEST_P(CallerIdLog, WithTheColumnEqualsMakedumpfile179ByteForByte) {
    const std::string want = reference179();
    ASSERT_GT(want.size(), 10000u) << "reference text missing";
    KernelLogLimits limits;
    limits.print_caller_id = true;
    auto log = read_kernel_log_file(vmcore(), limits);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_FALSE(log->truncated()) << log->note;
    EXPECT_TRUE(log->text == want) << "first difference at byte " << first_difference(log->text, want);
    EXPECT_NE(log->text.find("] Kernel panic - not syncing: sysrq triggered crash\n"), std::string::npos);
}

TEST_P(CallerIdLog, WithoutTheColumnEqualsMakedumpfile179LeftAside) {
    const std::string want = without_caller_id(reference179());
    auto log = read_kernel_log_file(vmcore());
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_TRUE(log->text == want) << "first difference at byte " << first_difference(log->text, want);
    EXPECT_EQ(log->text.find("[      T"), std::string::npos);
}

TEST_P(CallerIdLog, CommandPrintsTheColumnOnRequest) {
    kdf::test::TempDir dir("kdf-callerid");
    ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " dmesg --caller-id '" + vmcore() + "' -o '" + (dir / "c.txt") + "'"), 0);
    EXPECT_TRUE(kdf_test::read_text_file(dir / "c.txt") == reference179());
    ASSERT_EQ(kdf_test::shell(std::string(KDF_CLI) + " dmesg '" + vmcore() + "' > '" + (dir / "plain.txt") + "'"), 0);
    EXPECT_TRUE(kdf_test::read_text_file(dir / "plain.txt") == without_caller_id(reference179()));
}

INSTANTIATE_TEST_SUITE_P(Debian, CallerIdLog, ::testing::Values("vmcore-6.1-arm64-f", "vmcore-6.1-a", "vmcore-6.12-c"),
                         [](const auto& p) {
                             const std::string n = p.param;
                             return n == "vmcore-6.1-arm64-f" ? "arm64_v6_1" : n == "vmcore-6.1-a" ? "v6_1" : "v6_12";
                         });

// A printk from CPU context carries bit 31: "C<cpu>"; the indent of a continuation follows the column.
TEST(CallerIdFormat, CpuCallersAndContinuationIndent) {
    std::string out;
    const std::string text = "first\nsecond";
    append_log_line(out, 1'500'000'000, std::as_bytes(std::span(text)), 0x80000003u);
    append_log_line(out, 2'000'000, std::as_bytes(std::span(text)), 123456u);
    EXPECT_EQ(out,
              "[    1.500000] [      C3] first\n"
              "                          second\n"
              "[    0.002000] [ T123456] first\n"
              "                          second\n");
}

// The arm64 crash dumped through a chain to a local directory: vmcore-dmesg.txt beside it.
TEST(CallerIdLogArm64, ChainDumpWritesVmcoreDmesgBesideTheVmcore) {
    kdf::test::TempDir dir("kdf-callerid");
    const std::string vmcore = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-arm64-f";
    const fs::path out = dir / "dumps";
    fs::create_directories(out);
    const std::string conf = dir.write("a.conf", "[dump]\nlevel = 31\ncompress = lz4\ndmesg = yes\n\n[chain]\ntargets = "
                                                 "here\n\n[target here]\ntype = local\npath = " + out.string() + "\n");
    const std::string cmd = "KDF_PLUGIN_PATH='" KDF_PLUGIN_BUILD_DIR "' " KDF_CLI " dump --config '" + conf +
                            "' --vmcore '" + vmcore + "' >/dev/null 2>'" + (dir / "err.txt") + "'";
    ASSERT_EQ(kdf_test::shell(cmd), 0) << kdf_test::read_text_file(dir / "err.txt");
    fs::path vmcore_file, dmesg_file;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
        if (e.path().filename() == "vmcore") vmcore_file = e.path();
        if (e.path().filename() == "vmcore-dmesg.txt") dmesg_file = e.path();
    }
    ASSERT_FALSE(vmcore_file.empty());
    ASSERT_FALSE(dmesg_file.empty());
    EXPECT_EQ(dmesg_file.parent_path(), vmcore_file.parent_path());
    const std::string want =
        without_caller_id(kdf_test::read_text_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.1-arm64-f.dmesg-1.7.9.txt"));
    EXPECT_TRUE(kdf_test::read_text_file(dmesg_file) == want);
    EXPECT_EQ(kdf_test::read_text_file(dir / "err.txt").find("warning"), std::string::npos) << kdf_test::read_text_file(dir / "err.txt");
}

}  // namespace
}  // namespace kdf::dmesg
