// convert_dump: rewriting the makedumpfile fixtures with another codec keeps every page, the
// bitmaps, notes and sub-header; damaged or incomplete inputs are refused and leave no output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/format/convert.h"
#include "core/format/kdump_reader.h"
#include "core/format/verify.h"
#include "tests/unit/format_reader/reader_fixtures.h"

namespace kdf::format::test {
namespace {

std::string slurp(const std::string& path, uint64_t from, uint64_t to) {
    std::ifstream f(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return all.substr(from, to - from);
}

// Converts and checks the result: a good dump whose pages equal the source vmcore, whose header
// names the codec, and whose header blocks (apart from the status) and bitmaps are the input's.
void convert_and_check(const std::string& in, const std::string& out, const std::string& codec, uint32_t flag,
                       const vmcore::ElfVmcore& elf) {
    Status st = convert_dump(in, out, codec);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_FALSE(std::filesystem::exists(out + ".incomplete"));
    auto r = KdumpReader::open(out);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->header().status, flag);
    EXPECT_EQ(expect_same_pages(r.value(), elf), 24u);
    auto v = verify_dump(out);
    ASSERT_TRUE(v.is_ok());
    EXPECT_TRUE(v->ok()) << to_text(v.value());
    if (flag != 0) {
        EXPECT_GT(v->pages_by_codec[page_flag_name(flag)], 0u) << to_text(v.value());
    }
    // Sub-header, notes and both bitmaps: byte for byte.
    EXPECT_EQ(slurp(in, 4096, r->layout().descriptors), slurp(out, 4096, r->layout().descriptors));
    EXPECT_EQ(slurp(in, 12, 424), slurp(out, 12, 424));  // utsname, timestamp
}

TEST(Convert, ZlibToZstdToZlibKeepsEveryPage) {
    TempDir dir("kdf-convert");
    auto elf = open_source_elf(dir);
    std::string zstd = dir / "a.zstd.kdump", zlib = dir / "b.zlib.kdump";
    convert_and_check(dump_fixture("synthetic-d1-zlib.kdump"), zstd, "zstd", kdump::kCompressedZstd, elf);
    convert_and_check(zstd, zlib, "zlib", kdump::kCompressedZlib, elf);
    // Zero pages still share makedumpfile's one raw zero page.
    auto v = verify_dump(zlib);
    EXPECT_EQ(v->pages_zero_shared, 4u);
}

TEST(Convert, Lz4ExtensionToStandardCodecs) {
    TempDir dir("kdf-convert");
    auto elf = open_source_elf(dir);
    std::string lz4 = dir / "a.lz4.kdump";
    convert_and_check(dump_fixture("synthetic-d1-lzo.kdump"), lz4, "lz4", kdump::kCompressedLz4Kdf, elf);
    convert_and_check(lz4, dir / "b.zlib.kdump", "zlib", kdump::kCompressedZlib, elf);
    convert_and_check(lz4, dir / "c.zstd.kdump", "zstd", kdump::kCompressedZstd, elf);
}

TEST(Convert, RawLevel0ToZlibAndBackToNone) {
    TempDir dir("kdf-convert");
    auto elf = open_source_elf(dir);
    std::string raw = unxz_fixture(dir, "synthetic-d0-raw.kdump");
    convert_and_check(raw, dir / "z.kdump", "zlib", kdump::kCompressedZlib, elf);
    convert_and_check(dir / "z.kdump", dir / "n.kdump", "none", 0, elf);
    // Level 0 shares nothing, and uncompressed output is exactly as large as makedumpfile's.
    EXPECT_EQ(verify_dump(dir / "n.kdump")->pages_zero_shared, 0u);
    EXPECT_EQ(file_size(dir / "n.kdump"), file_size(raw));
}

// An independent reader: Debian's makedumpfile 1.7.2 re-reads the converted dump (as the input of
// a new dump, -l -d 1) and its output holds the source's pages; it refuses our lz4 extension.
TEST(Convert, MakedumpfileReadsTheConvertedDump) {
    TempDir dir("kdf-convert");
    auto elf = open_source_elf(dir);
    std::string lz4 = dir / "a.lz4.kdump", zlib = dir / "b.zlib.kdump", again = dir / "c.mkdf.kdump";
    ASSERT_TRUE(convert_dump(dump_fixture("synthetic-d1-zlib.kdump"), lz4, "lz4").is_ok());
    ASSERT_TRUE(convert_dump(lz4, zlib, "zlib").is_ok());
    std::string log = dir / "log";
    std::string cmd = "makedumpfile -l -d 1 '" + zlib + "' '" + again + "' > '" + log + "' 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << slurp(log, 0, 4096);
    auto r = KdumpReader::open(again);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_EQ(r->header().status, kdump::kCompressedLzo);
    EXPECT_EQ(expect_same_pages(r.value(), elf), 24u);
    cmd = "makedumpfile -l -d 1 '" + lz4 + "' '" + dir / "d.kdump" + "' > '" + log + "' 2>&1";
    EXPECT_NE(std::system(cmd.c_str()), 0) << "makedumpfile does not know flag 0x100";
}

TEST(Convert, DamagedInputIsRefusedAndLeavesNoOutput) {
    TempDir dir("kdf-convert");
    std::string in = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bad.kdump");
    fill_bytes(in, 21056 + 2, 50, 0xff);  // pfn 0x100's zlib data
    std::string out = dir / "out.kdump";
    Status st = convert_dump(in, out, "zstd");
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.code(), Code::corrupt);
    EXPECT_EQ(st.message().rfind("convert: refusing a damaged input", 0), 0u) << st.message();
    EXPECT_NE(st.message().find("pfn 0x100: page data at byte 21056 (60 bytes, zlib) does not decompress"),
              std::string::npos)
        << st.message();
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_FALSE(std::filesystem::exists(out + ".incomplete"));
}

TEST(Convert, TruncatedInputIsRefused) {
    TempDir dir("kdf-convert");
    std::string in = copy_fixture(dir, "synthetic-d1-zlib.kdump", "cut.kdump");
    truncate_file(in, 21500);
    Status st = convert_dump(in, dir / "out.kdump", "zlib");
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("pfn 0x109: page data at bytes 21481..21542 is past the end of the file (21500 bytes)"),
              std::string::npos)
        << st.message();
    EXPECT_FALSE(std::filesystem::exists(dir / "out.kdump"));
}

TEST(Convert, IncompleteInputIsRefused) {
    TempDir dir("kdf-convert");
    std::string in = copy_fixture(dir, "synthetic-d1-zlib.kdump", "inc.kdump");
    put_le(in, 424, kdump::kCompressedZlib | kdump::kCompressedIncomplete, 4);
    Status st = convert_dump(in, dir / "out.kdump", "zlib");
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("is marked incomplete (the writer did not finish)"), std::string::npos) << st.message();
}

// The rewrite copies the header and bitmaps byte for byte: damage the page walk never meets must
// still refuse the input, or it comes out in a file that looks standard (found by fuzzing).
TEST(Convert, DamageOutsideThePagesIsRefusedToo) {
    TempDir dir("kdf-convert");
    std::string in = copy_fixture(dir, "synthetic-d1-zlib.kdump", "flag.kdump");
    put_le(in, 424, kdump::kCompressedZlib | 0x40000, 4);  // a header status bit nobody defines
    std::string out = dir / "out.kdump";
    Status st = convert_dump(in, out, "zlib");
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.code(), Code::corrupt);
    EXPECT_NE(st.message().find("header status 0x40001 has unknown bits 0x40000"), std::string::npos) << st.message();
    EXPECT_FALSE(std::filesystem::exists(out));
    EXPECT_FALSE(std::filesystem::exists(out + ".incomplete"));
}

TEST(Convert, NeverReplacesAnExistingFile) {
    TempDir dir("kdf-convert");
    std::string out = dir.write("out.kdump", "keep me");
    Status st = convert_dump(dump_fixture("synthetic-d1-zlib.kdump"), out, "zstd");
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("already exists"), std::string::npos) << st.message();
    EXPECT_EQ(slurp(out, 0, 7), "keep me");
}

TEST(Convert, UnknownCodecIsAConfigError) {
    TempDir dir("kdf-convert");
    Status st = convert_dump(dump_fixture("synthetic-d1-zlib.kdump"), dir / "out.kdump", "gzip9");
    ASSERT_FALSE(st.is_ok());
    EXPECT_EQ(st.code(), Code::invalid_config);
    EXPECT_EQ(st.message().rfind("convert: ", 0), 0u) << st.message();
}

TEST(Convert, NotAKdumpFileIsRefused) {
    TempDir dir("kdf-convert");
    Status st = convert_dump(dump_fixture("synthetic-d1-zlib.flat"), dir / "out.kdump", "zlib");
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("not a kdump-compressed file"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace kdf::format::test
