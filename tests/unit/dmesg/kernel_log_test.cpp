// The kernel log reader on synthetic kernels: makedumpfile 1.7.2's line format, both log layouts
// laid out by an independent writer (synthetic_kernel.h), and corrupt rings that must end in an
// error or a truncated log with a note, never a crash or a hang (this binary also runs under ASan).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/dmesg/kernel_log.h"
#include "core/dmesg/log_line_formatter.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/dmesg/synthetic_kernel.h"

namespace kdf::dmesg {
namespace {

// Debian installs makedumpfile in /usr/bin (older packages: /usr/sbin); "" when it is absent.
std::string makedumpfile_path() {
    for (const char* p : {"/usr/bin/makedumpfile", "/usr/sbin/makedumpfile"})
        if (std::filesystem::exists(p)) return p;
    return {};
}

using test::RingRecord;
using test::RingSpec;
using test::SyntheticKernel;

std::string line(uint64_t ts, const std::string& text) {
    std::string out;
    append_log_line(out, ts, std::as_bytes(std::span(text.data(), text.size())));
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Result<KernelLog> read_written(const SyntheticKernel& k, const kdf::test::TempDir& dir, uint64_t truncate_at = 0) {
    const std::string path = dir / "vmcore";
    if (!k.write(path, truncate_at)) return Status::error(Code::system, "cannot write " + path);
    return read_kernel_log_file(path);
}

// makedumpfile 1.7.2's --dump-dmesg of `vmcore`, or nullopt when it is not installed or fails.
std::optional<std::string> makedumpfile_dmesg(const std::string& vmcore, const kdf::test::TempDir& dir) {
    const std::string out = dir / "makedumpfile.txt";
    std::filesystem::remove(out);
    if (makedumpfile_path().empty()) return std::nullopt;
    const std::string cmd = makedumpfile_path() + " --dump-dmesg '" + vmcore + "' '" + out + "' >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0) return std::nullopt;
    return slurp(out);
}

// The synthetic kernels carry what makedumpfile's initial() insists on (utsname, page tables, a
// FLATMEM mem_map), so when it is installed it must accept them and print the same bytes.
void expect_makedumpfile_agrees(const std::string& vmcore, const std::string& ours, const kdf::test::TempDir& dir) {
    if (makedumpfile_path().empty()) return;  // the hand-derived text was the check
    auto theirs = makedumpfile_dmesg(vmcore, dir);
    ASSERT_TRUE(theirs.has_value()) << "makedumpfile --dump-dmesg refused " << vmcore;
    EXPECT_EQ(ours, *theirs) << "differs from makedumpfile 1.7.2 on the same file";
}

// --- the line format --------------------------------------------------------------------------

TEST(LogLineFormat, TimestampIsSecondsDotMicrosecondsInAFiveWideField) {
    EXPECT_EQ(line(0, "boot"), "[    0.000000] boot\n");
    EXPECT_EQ(line(1'500'000'999, "x"), "[    1.500000] x\n");  // nanoseconds are cut, not rounded
    EXPECT_EQ(line(123'456'789'012'345'678ULL, "late"), "[123456789.012345] late\n");  // the field grows
}

TEST(LogLineFormat, ContinuationLinesAreIndentedToTheTextColumn) {
    EXPECT_EQ(line(11'233'538'000, "Call Trace:\n <TASK>"), "[   11.233538] Call Trace:\n                <TASK>\n");
    EXPECT_EQ(line(0, "ends with newline\n"), "[    0.000000] ends with newline\n               \n");
    EXPECT_EQ(line(0, ""), "[    0.000000] \n");
}

TEST(LogLineFormat, NonPrintableBytesAreEscapedAsMakedumpfileDoes) {
    // White space passes as is; controls and DEL are \xNN; bytes >= 0x80 come out sign-extended,
    // because makedumpfile 1.7.2 hands printf a signed char.
    EXPECT_EQ(line(0, std::string("a\tb\rc\vd\fe")), "[    0.000000] a\tb\rc\vd\fe\n");
    EXPECT_EQ(line(0, std::string("\x01\x1f\x7f", 3)), "[    0.000000] \\x01\\x1f\\x7f\n");
    EXPECT_EQ(line(0, std::string("caf\xc3\xa9\xff")), "[    0.000000] caf\\xffffffc3\\xffffffa9\\xffffffff\n");
    EXPECT_EQ(line(0, std::string("nul\0here", 8)), "[    0.000000] nul\\x00here\n");
}

// --- the lockless ring (5.10+) ----------------------------------------------------------------

// Ten records from id 35 (slot 3 of 16), the first block 400 bytes into a 512-byte text ring so
// that one block wraps to the start. Skipped: reserved, reusable, a stale descriptor (another id),
// a data-less block. Printed: finalized and committed records, a text_len longer than its block
// (cut to the block), and the head record.
std::vector<RingRecord> ring_records() {
    std::vector<RingRecord> r(10);
    r[0] = {"first line", 0, 2, false, false, 0};
    r[1] = {"Linux version x\ntwo", 1'000'001'000, 2, false, false, 0};
    r[2] = {"never shown: reserved", 2'000'000'000, 0, false, false, 0};
    r[3] = {"wraps to the start of the ring", 3'000'000'000, 2, false, false, 0};
    r[4] = {"stale: reusable", 4'000'000'000, 3, false, false, 0};
    r[5] = {"stale: another id", 5'000'000'000, 2, true, false, 0};
    r[6] = {"", 6'000'000'000, 2, false, true, 0};
    r[7] = {std::string("committed \x01\xc3 tab\tend"), 7'000'000'000, 1, false, false, 0};
    r[8] = {"cut", 8'000'000'000, 2, false, false, 100};
    r[9] = {"last line (head)", 9'999'999'999, 2, false, false, 0};
    return r;
}

RingSpec ring_spec() {
    RingSpec s;
    s.first_id = 35;
    s.first_lpos = 3 * 512 + 400;
    return s;
}

const std::string& ring_expected() {
    static const std::string text =
        "[    0.000000] first line\n"
        "[    1.000001] Linux version x\n"
        "               two\n"
        "[    3.000000] wraps to the start of the ring\n"
        "[    7.000000] committed \\x01\\xffffffc3 tab\tend\n"
        // text_len 103 is cut to the block: "cut" and the block's 5 bytes of padding (zeros).
        "[    8.000000] cut\\x00\\x00\\x00\\x00\\x00\n"
        "[    9.999999] last line (head)\n";
    return text;
}

TEST(PrintkRingbuffer, PrintsCommittedRecordsFromTailToHeadAsMakedumpfile) {
    kdf::test::TempDir dir("kdf-dmesg");
    SyntheticKernel k;
    test::write_printk_ring(k, ring_spec(), ring_records());
    auto log = read_written(k, dir);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->text, ring_expected());
    EXPECT_EQ(log->layout, "printk_ringbuffer");
    EXPECT_EQ(log->records, 6u);
    EXPECT_FALSE(log->truncated()) << log->note;
    expect_makedumpfile_agrees(dir / "vmcore", log->text, dir);
}

TEST(PrintkRingbuffer, IdsFurtherApartThanTheRingAreBoundedToTheNewestRingful) {
    kdf::test::TempDir dir("kdf-dmesg");
    SyntheticKernel k;
    RingSpec spec = ring_spec();
    spec.override_ids = true;
    spec.tail_id = 0;  // 44 ids before head in a 16-descriptor ring: only the last 16 can be real
    spec.head_id = 44;
    test::write_printk_ring(k, spec, ring_records());
    auto log = read_written(k, dir);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->text, ring_expected());
    EXPECT_NE(log->note.find("more than the ring's 16 descriptors apart"), std::string::npos) << log->note;

    // A head_id that never comes back to the tail (flag bits set, ids 2^62 apart) ends just as fast.
    spec.tail_id = 45;
    spec.head_id = (uint64_t{3} << 62) | 44;
    SyntheticKernel k2;
    test::write_printk_ring(k2, spec, ring_records());
    auto log2 = read_written(k2, dir);
    ASSERT_TRUE(log2.is_ok()) << log2.status().to_string();
    EXPECT_EQ(log2->text, ring_expected());
    EXPECT_TRUE(log2->truncated());
}

TEST(PrintkRingbuffer, SizesOutOfRangeAreErrorsNamingTheField) {
    kdf::test::TempDir dir("kdf-dmesg");
    struct Case {
        uint64_t at;
        uint32_t value;
        const char* field;
    } cases[] = {{test::kRingStruct + 0, 40, "count_bits 40"},
                 {test::kRingStruct + 48, 63, "size_bits 63"},
                 {test::kRingStruct + 48, 0, "size_bits 0"}};
    for (const Case& c : cases) {
        SyntheticKernel k;
        test::write_printk_ring(k, ring_spec(), ring_records());
        k.put32(c.at, c.value);
        auto log = read_written(k, dir);
        ASSERT_FALSE(log.is_ok()) << c.field;
        EXPECT_EQ(log.status().code(), Code::corrupt);
        EXPECT_NE(log.status().message().find(c.field), std::string::npos) << log.status().message();
    }
}

TEST(PrintkRingbuffer, ArraysOutsideTheDumpAreErrors) {
    kdf::test::TempDir dir("kdf-dmesg");
    // descs pointing past the kernel image (nothing is mapped there in this dump).
    SyntheticKernel k;
    test::write_printk_ring(k, ring_spec(), ring_records());
    k.put64(test::kRingStruct + 8, test::kKernelBase + 0x3ff00);  // 16 descriptors run past the 256 KiB image
    auto log = read_written(k, dir);
    ASSERT_FALSE(log.is_ok());
    EXPECT_NE(log.status().message().find("the end of desc_ring.descs"), std::string::npos) << log.status().message();

    // The vmcore file itself cut short inside the text ring: reading it fails, nothing crashes.
    SyntheticKernel k2;
    test::write_printk_ring(k2, ring_spec(), ring_records());
    ASSERT_TRUE(k2.write(dir / "vmcore"));
    std::filesystem::resize_file(dir / "vmcore", std::filesystem::file_size(dir / "vmcore") - 0x30000);
    auto cut = read_kernel_log_file(dir / "vmcore");
    EXPECT_FALSE(cut.is_ok() && !cut->truncated());
}

TEST(PrintkRingbuffer, MissingKeysAreNamed) {
    kdf::test::TempDir dir("kdf-dmesg");
    SyntheticKernel k;
    test::write_printk_ring(k, ring_spec(), ring_records());
    const std::string key = "OFFSET(printk_info.text_len)=16\n";
    k.extra_vmcoreinfo.erase(k.extra_vmcoreinfo.find(key), key.size());
    auto log = read_written(k, dir);
    ASSERT_FALSE(log.is_ok());
    EXPECT_EQ(log.status().code(), Code::corrupt);
    EXPECT_NE(log.status().message().find("OFFSET(printk_info.text_len)"), std::string::npos) << log.status().message();
}

TEST(KernelLog, NoLogSymbolsIsNotFound) {
    kdf::test::TempDir dir("kdf-dmesg");
    SyntheticKernel k;
    auto log = read_written(k, dir);
    ASSERT_FALSE(log.is_ok());
    EXPECT_EQ(log.status().code(), Code::not_found);
    EXPECT_NE(log.status().message().find("neither SYMBOL(prb) nor SYMBOL(log_buf)"), std::string::npos);
}

TEST(KernelLog, TextCapEndsTheLogWithANote) {
    SyntheticKernel k;
    test::write_printk_ring(k, ring_spec(), ring_records());
    kdf::test::TempDir dir("kdf-dmesg");
    ASSERT_TRUE(k.write(dir / "vmcore"));
    KernelLogLimits limits;
    limits.max_text_bytes = 60;  // room for the first record (27 bytes), not for the second (two lines)
    auto log = read_kernel_log_file(dir / "vmcore", limits);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->text, "[    0.000000] first line\n");
    EXPECT_NE(log->note.find("more than 60 bytes"), std::string::npos) << log->note;
}

// --- log_buf (3.5 - 5.9) ----------------------------------------------------------------------

// A 512-byte log_buf whose oldest record sits at 400; the next one does not fit behind it and
// wraps to 0 behind a zero-length marker. A dict is stored but not printed.
std::vector<test::LogBufRecord> log_buf_records() {
    return {{"old record at 400", 5'000, ""},
            {"has a dict", 1'000'000'000, std::string("SUBSYSTEM=pci\0DEVICE=+pci:0000:00:01.0", 38)},
            {"multi\nline", 2'500'000'000, ""},
            {std::string("\x02" "bin\xff"), 3'000'000'000, ""}};
}

const std::string& log_buf_expected() {
    static const std::string text =
        "[    0.000005] old record at 400\n"
        "[    1.000000] has a dict\n"
        "[    2.500000] multi\n"
        "               line\n"
        "[    3.000000] \\x02bin\\xffffffff\n";
    return text;
}

SyntheticKernel log_buf_kernel(const test::LogBufSpec& spec) {
    SyntheticKernel k;
    k.osrelease = "4.19.0-synthetic";
    const auto at = test::write_log_buf(k, spec, log_buf_records());
    EXPECT_EQ(at, (std::vector<uint32_t>{400, 0, 64, 96}));  // the layout the test means
    return k;
}

TEST(LogBuf, RecordsFromFirstToNextIdxAcrossTheWrap) {
    kdf::test::TempDir dir("kdf-dmesg");
    test::LogBufSpec spec;
    spec.buf_len = 512;
    spec.first_idx = 400;
    SyntheticKernel k = log_buf_kernel(spec);
    auto log = read_written(k, dir);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->text, log_buf_expected());
    EXPECT_EQ(log->layout, "log_buf");
    EXPECT_EQ(log->records, 4u);
    EXPECT_FALSE(log->truncated()) << log->note;
    expect_makedumpfile_agrees(dir / "vmcore", log->text, dir);
}

TEST(LogBuf, ACycleEndsTheLogWithANote) {
    kdf::test::TempDir dir("kdf-dmesg");
    test::LogBufSpec spec;
    spec.buf_len = 512;
    spec.first_idx = 400;
    spec.override_next = true;
    spec.next_idx = 8;  // never on a record boundary: the walk can only end by noticing the loop
    SyntheticKernel k = log_buf_kernel(spec);
    auto log = read_written(k, dir);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_EQ(log->text, log_buf_expected());
    EXPECT_NE(log->note.find("loop back on themselves"), std::string::npos) << log->note;
}

TEST(LogBuf, IndexesOutsideTheBufferAreErrors) {
    kdf::test::TempDir dir("kdf-dmesg");
    test::LogBufSpec spec;
    spec.buf_len = 512;
    spec.first_idx = 400;
    spec.override_next = true;
    spec.next_idx = 5000;
    SyntheticKernel k = log_buf_kernel(spec);
    auto log = read_written(k, dir);
    ASSERT_FALSE(log.is_ok());
    EXPECT_EQ(log.status().code(), Code::corrupt);
    EXPECT_NE(log.status().message().find("outside log_buf"), std::string::npos) << log.status().message();

    // A record whose length sends the walk past the end: the records before it, and a note.
    spec.override_next = false;
    SyntheticKernel k2 = log_buf_kernel(spec);
    k2.put16(test::kLogBufData + 64 + 8, 480);  // "multi\nline" claims 480 bytes: the next would be at 544
    auto log2 = read_written(k2, dir);
    ASSERT_TRUE(log2.is_ok()) << log2.status().to_string();
    EXPECT_EQ(log2->records, 3u);
    EXPECT_NE(log2->note.find("outside log_buf"), std::string::npos) << log2->note;

    // log_buf_len 0 and a header size that does not hold its fields.
    SyntheticKernel k3 = log_buf_kernel(spec);
    k3.put32(test::kKernelBase + 0x1108, 0);
    auto log3 = read_written(k3, dir);
    ASSERT_FALSE(log3.is_ok());
    EXPECT_NE(log3.status().message().find("log_buf_len 0"), std::string::npos) << log3.status().message();
    SyntheticKernel k4 = log_buf_kernel(spec);
    k4.extra_vmcoreinfo.replace(k4.extra_vmcoreinfo.find("SIZE(printk_log)=16"), 19, "SIZE(printk_log)=4");
    auto log4 = read_written(k4, dir);
    ASSERT_FALSE(log4.is_ok());
    EXPECT_NE(log4.status().message().find("SIZE(printk_log)=4"), std::string::npos) << log4.status().message();
}

// --- a generated kernel (kdf-mkvmcore --kernel) against makedumpfile itself ----------------------

TEST(GeneratedKernel, TextEqualsMakedumpfileOnTheSameVmcore) {
    kdf::test::TempDir dir("kdf-dmesg");
    const std::string vmcore = dir / "vmcore";
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --kernel --size 64M '" + vmcore + "' >/dev/null").c_str()), 0);
    auto log = read_kernel_log_file(vmcore);
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    EXPECT_GT(log->records, 2u);
    if (makedumpfile_path().empty()) GTEST_SKIP() << "makedumpfile is not installed";
    auto theirs = makedumpfile_dmesg(vmcore, dir);
    ASSERT_TRUE(theirs.has_value()) << "makedumpfile --dump-dmesg failed on the generated vmcore";
    EXPECT_EQ(log->text, *theirs);
}

}  // namespace
}  // namespace kdf::dmesg
