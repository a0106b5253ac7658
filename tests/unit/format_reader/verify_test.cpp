// verify_dump on the makedumpfile fixtures (good) and on damaged copies of them: each kind of
// damage must produce its own line naming the pfn or byte offset.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/format/verify.h"
#include "tests/unit/format_reader/reader_fixtures.h"

namespace kdf::format::test {
namespace {

// Layout of synthetic-d1-zlib.kdump (checked by KdumpReader tests): descriptors from byte 16384,
// 24 bytes each; the shared zero page at 16960; pfn 0x100's zlib data at 21056, 60 bytes.
constexpr uint64_t kDescriptors = 16384;
constexpr uint64_t kPfn100Data = 21056;

VerifyReport verify_ok(const std::string& path) {
    auto r = verify_dump(path);
    if (!r.is_ok()) {
        ADD_FAILURE() << r.status().to_string();
        return {};
    }
    return std::move(r).value();
}

// The report has a problem line containing `text` (and says so in to_text).
void expect_problem(const VerifyReport& r, const std::string& text) {
    EXPECT_TRUE(r.checked);
    EXPECT_FALSE(r.ok());
    bool found = std::any_of(r.problems.begin(), r.problems.end(),
                             [&](const std::string& p) { return p.find(text) != std::string::npos; });
    EXPECT_TRUE(found) << "no problem line with \"" << text << "\" in:\n" << to_text(r);
    EXPECT_NE(to_text(r).find("FAILED"), std::string::npos);
}

TEST(Verify, MakedumpfileZlibFixtureIsGood) {
    VerifyReport r = verify_ok(dump_fixture("synthetic-d1-zlib.kdump"));
    EXPECT_TRUE(r.ok()) << to_text(r);
    EXPECT_EQ(r.format, VerifyReport::Format::kdump);
    EXPECT_EQ(r.pages_present, 24u);
    EXPECT_EQ(r.pages_dumped, 24u);
    EXPECT_EQ(r.pages_checked, 24u);
    EXPECT_EQ(r.pages_zero_shared, 4u);
    EXPECT_EQ(r.pages_by_codec.at("zlib"), 20u);
    EXPECT_EQ(r.pages_by_codec.at("none"), 4u);
    EXPECT_NE(to_text(r).find("OK"), std::string::npos);
}

// makedumpfile's header carries the crashed kernel's utsname: nothing for readers to miss.
TEST(Verify, MakedumpfileHeaderHasWhatReadersNeed) {
    VerifyReport r = verify_ok(dump_fixture("synthetic-d1-zlib.kdump"));
    EXPECT_TRUE(r.warnings.empty()) << to_text(r);
}

// Without utsname.version drgn (libkdumpfile) cannot tell the OS type: a warning, not damage.
TEST(Verify, HeaderWithoutVersionWarnsThatDrgnWillNotOpenIt) {
    TempDir dir("kdf-verify");
    const std::string path = dir / "no-version.kdump";
    std::filesystem::copy_file(dump_fixture("synthetic-d1-zlib.kdump"), path);
    put_le(path, 12 + 3 * 65, 0, 8);  // utsname.version's first bytes
    VerifyReport r = verify_ok(path);
    EXPECT_TRUE(r.ok()) << to_text(r);
    ASSERT_EQ(r.warnings.size(), 1u) << to_text(r);
    EXPECT_NE(r.warnings[0].find("header utsname has no version: drgn"), std::string::npos) << r.warnings[0];
    EXPECT_NE(to_text(r).find("warning: header utsname has no version"), std::string::npos) << to_text(r);
}

TEST(Verify, MakedumpfileLzoAndRawFixturesAreGood) {
    VerifyReport lzo = verify_ok(dump_fixture("synthetic-d1-lzo.kdump"));
    EXPECT_TRUE(lzo.ok()) << to_text(lzo);
    EXPECT_EQ(lzo.pages_by_codec.at("lzo"), 20u);
    TempDir dir("kdf-verify");
    VerifyReport raw = verify_ok(unxz_fixture(dir, "synthetic-d0-raw.kdump"));
    EXPECT_TRUE(raw.ok()) << to_text(raw);
    EXPECT_EQ(raw.pages_by_codec.at("none"), 24u);
    EXPECT_EQ(raw.pages_zero_shared, 0u);  // level 0: each zero page is its own
}

TEST(Verify, ElfVmcoreIsGood) {
    TempDir dir("kdf-verify");
    VerifyReport r = verify_ok(unxz_fixture(dir, "synthetic.elf"));
    EXPECT_TRUE(r.ok()) << to_text(r);
    EXPECT_EQ(r.format, VerifyReport::Format::elf);
    EXPECT_EQ(r.pages_present, 24u);
}

TEST(Verify, ElfMarkedIncomplete) {
    TempDir dir("kdf-verify");
    std::string path = unxz_fixture(dir, "synthetic.elf");
    put_le(path, 48, 1, 4);  // e_flags: makedumpfile's incomplete bit
    VerifyReport r = verify_ok(path);
    EXPECT_TRUE(r.incomplete);
    expect_problem(r, "dump is marked incomplete (the writer did not finish)");
}

TEST(Verify, TruncatedElfIsNamed) {
    TempDir dir("kdf-verify");
    std::string path = unxz_fixture(dir, "synthetic.elf");
    truncate_file(path, file_size(path) - 5000);
    VerifyReport r = verify_ok(path);
    EXPECT_EQ(r.format, VerifyReport::Format::elf);
    EXPECT_FALSE(r.ok());
    ASSERT_EQ(r.problems.size(), 1u) << to_text(r);
    EXPECT_EQ(r.problems[0].find(path), std::string::npos) << "the path is said once, not per line";
}

TEST(Verify, FlattenedFileMustBeReassembledFirst) {
    VerifyReport r = verify_ok(dump_fixture("synthetic-d1-zlib.flat"));
    EXPECT_EQ(r.format, VerifyReport::Format::flattened);
    EXPECT_FALSE(r.checked);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(r.problems.empty());
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_NE(r.notes[0].find("reassemble it first"), std::string::npos) << r.notes[0];
    EXPECT_NE(to_text(r).find("NOT CHECKED"), std::string::npos);
}

TEST(Verify, TruncatedPageData) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "cut.kdump");
    truncate_file(path, 21500);  // inside the data of pfn 0x107's neighbours
    VerifyReport r = verify_ok(path);
    expect_problem(r, "truncated: the file is 21500 bytes but the data of 13 pages lies past its end (first pfn 0x109");
    EXPECT_EQ(r.problems.size(), 1u) << to_text(r);
    EXPECT_EQ(r.pages_checked, 11u);
}

TEST(Verify, TruncatedDescriptorTable) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "cut.kdump");
    truncate_file(path, kDescriptors + 24 * 10 + 5);
    VerifyReport r = verify_ok(path);
    expect_problem(r, "truncated: the file is 16629 bytes but the page descriptor table ends at byte 16960 "
                      "(14 of 24 descriptors missing)");
}

TEST(Verify, FlippedOffsetByteInADescriptor) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "flip.kdump");
    put_le(path, kDescriptors + 24 * 5 + 5, 0x40, 1);  // descriptor #5 (pfn 0x105): offset byte 5
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x105: descriptor #5 (byte 16504) points at bytes 70368744198962..70368744199023, past the end");
    expect_problem(r, "past the end of the file (22280 bytes)");
    EXPECT_EQ(r.problems.size(), 1u) << to_text(r);
}

TEST(Verify, FlippedSizeAndFlagsBytesInDescriptors) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "flip.kdump");
    put_le(path, kDescriptors + 24 * 1 + 9, 0x20, 1);   // #1 size 60 -> 8252
    put_le(path, kDescriptors + 24 * 2 + 12, 0x41, 1);  // #2 flags 1 -> 0x41
    put_le(path, kDescriptors + 24 * 4 + 0, 0x00, 1);   // #4 offset 21237 -> 20992 (inside the zero page)
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x101: descriptor #1 (byte 16408) gives a stored size of 8252 bytes (must be 1 to the block size 4096)");
    expect_problem(r, "pfn 0x102: descriptor #2 (byte 16432) has unknown page flags 0x41");
    expect_problem(r, "pfn 0x104: page data at byte 20992 (61 bytes, zlib) does not decompress to 4096 bytes");
    EXPECT_EQ(r.problems.size(), 3u) << to_text(r);
}

TEST(Verify, DescriptorPointingIntoTheHeaders) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "flip.kdump");
    put_le(path, kDescriptors + 24 * 0, 4096, 8);
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x100: descriptor #0 (byte 16384) points at byte 4096, before the page data area (byte 16960)");
}

TEST(Verify, PageThatDoesNotDecompress) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bad-page.kdump");
    fill_bytes(path, kPfn100Data + 2, 50, 0xff);
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x100: page data at byte 21056 (60 bytes, zlib) does not decompress to 4096 bytes");
    EXPECT_EQ(r.problems.size(), 1u) << to_text(r);
    EXPECT_EQ(r.pages_checked, 23u);
}

TEST(Verify, LzoPageThatDoesNotDecompress) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-lzo.kdump", "bad-page.kdump");
    fill_bytes(path, 21056, 52, 0x00);  // pfn 0x100's lzo data
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x100: page data at byte 21056 (52 bytes, lzo) does not decompress to 4096 bytes");
}

TEST(Verify, Bitmap2BitOutsideBitmap1) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bitmap.kdump");
    // Bitmap 1 starts at byte 8192; pfn 0x105 is bit 5 of byte 0x20. Clear it in bitmap 1 only.
    uint64_t at = 8192 + 0x105 / 8;
    put_le(path, at, get_le(path, at, 1) & ~(1u << (0x105 % 8)), 1);
    VerifyReport r = verify_ok(path);
    expect_problem(r, "pfn 0x105: set in bitmap 2 (dumped) but not in bitmap 1 (present)");
    EXPECT_EQ(r.problems.size(), 1u) << to_text(r);
    EXPECT_EQ(r.pages_present, 23u);
}

TEST(Verify, BitsPastMaxMapnr) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bitmap.kdump");
    put_le(path, 8192 + 0x1010 / 8, 0x01, 1);  // pfn 0x1010 in bitmap 1, max_mapnr is 0x1008
    VerifyReport r = verify_ok(path);
    expect_problem(r, "bitmap 1: 1 bits set at or past max_mapnr 0x1008 (first pfn 0x1010)");
}

TEST(Verify, IncompleteFlag) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "incomplete.kdump");
    put_le(path, 424, kdump::kCompressedZlib | kdump::kCompressedIncomplete, 4);
    VerifyReport r = verify_ok(path);
    EXPECT_TRUE(r.incomplete);
    expect_problem(r, "dump is marked incomplete (the writer did not finish)");
    EXPECT_EQ(r.problems.size(), 1u) << to_text(r);
}

TEST(Verify, BadSignature) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "sig.kdump");
    put_le(path, 0, 'X', 1);
    VerifyReport r = verify_ok(path);
    EXPECT_EQ(r.format, VerifyReport::Format::unknown);
    expect_problem(r, "not a dump: the file starts with neither the kdump-compressed \"KDUMP   \" signature");
}

TEST(Verify, BrokenHeaderIsOneLine) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bs.kdump");
    put_le(path, 428, 3000, 4);
    VerifyReport r = verify_ok(path);
    EXPECT_EQ(r.format, VerifyReport::Format::kdump);
    expect_problem(r, "block_size 3000 is not a page size");
    EXPECT_EQ(r.problems.size(), 1u);
}

TEST(Verify, EmptyFile) {
    TempDir dir("kdf-verify");
    VerifyReport r = verify_ok(dir.write("empty", ""));
    expect_problem(r, "the file is empty");
}

TEST(Verify, ManyBadPagesAreCapped) {
    TempDir dir("kdf-verify");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "many.kdump");
    for (uint64_t i = 0; i < 24; ++i) put_le(path, kDescriptors + 24 * i + 12, 0x80, 4);  // unknown flags
    VerifyReport r = verify_ok(path);
    EXPECT_EQ(r.problems.size(), VerifyReport::kMaxLinesPerKind + 1) << to_text(r);
    expect_problem(r, "... and 4 more descriptor problems");
}

TEST(Verify, MissingFileIsAnError) {
    auto r = verify_dump("/nonexistent/vmcore");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::not_found);
}

}  // namespace
}  // namespace kdf::format::test
