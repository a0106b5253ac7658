// KdumpReader on the makedumpfile 1.7.2 fixtures: header fields, bitmaps, descriptors and every
// page compared with the ELF vmcore they were made from; the three-way probe; damaged headers.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/format/kdump_reader.h"
#include "tests/unit/format_reader/reader_fixtures.h"

namespace kdf::format::test {
namespace {

KdumpReader open_ok(const std::string& path) {
    auto r = KdumpReader::open(path);
    if (!r.is_ok()) {
        ADD_FAILURE() << r.status().to_string();
        std::abort();
    }
    return std::move(r).value();
}

TEST(KdumpReader, ReadsZlibFixtureHeaderNotesAndVmcoreinfo) {
    KdumpReader r = open_ok(dump_fixture("synthetic-d1-zlib.kdump"));
    EXPECT_EQ(r.header().header_version, 6);
    EXPECT_EQ(r.header().status, kdump::kCompressedZlib);
    EXPECT_EQ(r.header().utsname.release, "6.1.0-kdumptest");
    EXPECT_EQ(r.block_size(), 4096u);
    EXPECT_EQ(r.max_mapnr(), 0x1008u);
    EXPECT_EQ(r.num_dumpable(), 24u);
    EXPECT_FALSE(r.incomplete());
    EXPECT_EQ(r.sub_header().dump_level, 1);
    EXPECT_EQ(r.notes().size(), 592u);
    EXPECT_NE(r.vmcoreinfo().find("OSRELEASE=6.1.0-kdumptest"), std::string_view::npos);
    // The VMCOREINFO text is inside the notes, where makedumpfile puts it.
    std::string notes(reinterpret_cast<const char*>(r.notes().data()), r.notes().size());
    EXPECT_NE(notes.find(std::string(r.vmcoreinfo())), std::string::npos);
    EXPECT_EQ(r.layout().bitmap1, 2u * 4096);
    EXPECT_EQ(r.layout().descriptors, 4u * 4096);
    EXPECT_EQ(r.layout().data, 4u * 4096 + 24 * 24);
}

TEST(KdumpReader, BitmapsAndDescriptorIndex) {
    KdumpReader r = open_ok(dump_fixture("synthetic-d1-zlib.kdump"));
    for (uint64_t pfn : {0xffull, 0x110ull, 0xfffull, 0x1008ull, 0x100000ull}) {
        EXPECT_FALSE(r.is_present(pfn).value()) << std::hex << pfn;
        EXPECT_FALSE(r.is_dumped(pfn).value()) << std::hex << pfn;
    }
    for (uint64_t pfn : {0x100ull, 0x10full, 0x1000ull, 0x1007ull}) {
        EXPECT_TRUE(r.is_present(pfn).value()) << std::hex << pfn;
        EXPECT_TRUE(r.is_dumped(pfn).value()) << std::hex << pfn;
    }
    // Index = 2nd-bitmap bits before the pfn: 0x1000 is the 17th dumped page.
    auto d1000 = r.descriptor(0x1000);
    ASSERT_TRUE(d1000.is_ok()) << d1000.status().to_string();
    EXPECT_EQ(d1000->offset, r.descriptor_at(16).value().offset);
    EXPECT_EQ(d1000->flags, kdump::kCompressedZlib);
    // Zero pages at dump level 1 share makedumpfile's raw zero page at the start of the data area.
    for (uint64_t pfn : {0x103ull, 0x107ull, 0x10bull, 0x10full}) {
        auto d = r.descriptor(pfn);
        ASSERT_TRUE(d.is_ok());
        EXPECT_EQ(d->offset, r.layout().data);
        EXPECT_EQ(d->size, 4096u);
        EXPECT_EQ(d->flags, 0u);
    }
    auto missing = r.descriptor(0x200);
    ASSERT_FALSE(missing.is_ok());
    EXPECT_EQ(missing.status().code(), Code::not_found);
    EXPECT_NE(missing.status().message().find("pfn 0x200 is not in the dump"), std::string::npos);
    std::vector<std::byte> page(4096);
    EXPECT_EQ(r.read_page(0x200, page).code(), Code::not_found);
}

TEST(KdumpReader, ZlibPagesEqualTheSourceVmcore) {
    TempDir dir("kdf-reader");
    auto elf = open_source_elf(dir);
    KdumpReader r = open_ok(dump_fixture("synthetic-d1-zlib.kdump"));
    EXPECT_EQ(expect_same_pages(r, elf), 24u);
}

TEST(KdumpReader, LzoPagesEqualTheSourceVmcore) {
    TempDir dir("kdf-reader");
    auto elf = open_source_elf(dir);
    KdumpReader r = open_ok(dump_fixture("synthetic-d1-lzo.kdump"));
    EXPECT_EQ(r.header().status, kdump::kCompressedLzo);
    EXPECT_EQ(expect_same_pages(r, elf), 24u);
}

TEST(KdumpReader, RawDumpLevel0PagesEqualTheSourceVmcore) {
    TempDir dir("kdf-reader");
    auto elf = open_source_elf(dir);
    KdumpReader r = open_ok(unxz_fixture(dir, "synthetic-d0-raw.kdump"));
    EXPECT_EQ(r.header().status, 0u);
    EXPECT_EQ(r.sub_header().dump_level, 0);
    EXPECT_EQ(expect_same_pages(r, elf), 24u);
    // Level 0 keeps every zero page as its own raw page.
    EXPECT_NE(r.descriptor(0x103).value().offset, r.descriptor(0x107).value().offset);
}

TEST(KdumpReader, WalksDumpedPagesInOrder) {
    KdumpReader r = open_ok(dump_fixture("synthetic-d1-lzo.kdump"));
    std::vector<uint64_t> pfns;
    Status st = r.for_each_dumped([&](uint64_t pfn, uint64_t index) {
        EXPECT_EQ(index, pfns.size());
        pfns.push_back(pfn);
        return Status::ok();
    });
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    std::vector<uint64_t> want;
    for (uint64_t p = 0x100; p < 0x110; ++p) want.push_back(p);
    for (uint64_t p = 0x1000; p < 0x1008; ++p) want.push_back(p);
    EXPECT_EQ(pfns, want);
}

TEST(KdumpReader, ProbeIsThreeWay) {
    std::string why;
    std::vector<std::byte> head(4096);
    EXPECT_EQ(probe_kdump(head, &why), ProbeResult::not_mine);
    std::memcpy(head.data(), "\x7f" "ELF", 4);
    EXPECT_EQ(probe_kdump(head, &why), ProbeResult::not_mine);
    std::memcpy(head.data(), "KDUMP   ", 8);
    EXPECT_EQ(probe_kdump(head, &why), ProbeResult::mine);
    EXPECT_EQ(probe_kdump(std::span<const std::byte>(head).first(100), &why), ProbeResult::broken);
    EXPECT_NE(why.find("shorter than the 464-byte disk_dump_header"), std::string::npos) << why;
    EXPECT_EQ(probe_kdump(std::span<const std::byte>(head).first(3), &why), ProbeResult::not_mine);
}

// Each damaged header is refused with its own reason.
struct BadHeader {
    const char* name;
    uint64_t offset;
    uint64_t value;
    int width;
    Code code;
    const char* message;
};

class KdumpReaderBadHeader : public ::testing::TestWithParam<BadHeader> {};

TEST_P(KdumpReaderBadHeader, IsRefusedWithItsReason) {
    TempDir dir("kdf-reader");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "bad.kdump");
    put_le(path, GetParam().offset, GetParam().value, GetParam().width);
    auto r = KdumpReader::open(path);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), GetParam().code);
    EXPECT_NE(r.status().message().find(GetParam().message), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().rfind(path + ": ", 0), 0u) << "message names the file";
}

INSTANTIATE_TEST_SUITE_P(
    Fields, KdumpReaderBadHeader,
    ::testing::Values(
        BadHeader{"signature", 0, 'X', 1, Code::corrupt, "not a kdump-compressed file: no \"KDUMP   \" signature"},
        BadHeader{"version7", 8, 7, 4, Code::not_supported, "header_version 7 is newer than this reader knows"},
        BadHeader{"version0", 8, 0, 4, Code::corrupt, "header_version 0 is not valid"},
        BadHeader{"blocksize", 428, 3000, 4, Code::corrupt, "block_size 3000 is not a page size"},
        BadHeader{"subhdr", 432, 0, 4, Code::corrupt, "sub_hdr_size 0 blocks"},
        BadHeader{"subhdrhuge", 432, 1000, 4, Code::corrupt, "truncated: the sub-header blocks end at byte 4100096"},
        BadHeader{"bitmapodd", 436, 3, 4, Code::corrupt, "bitmap_blocks 3 is not a positive even number"},
        BadHeader{"bitmapbig", 436, 200, 4, Code::corrupt, "truncated: the bitmaps end at byte"},
        BadHeader{"mapnr", 4096 + 96, 1ull << 40, 8, Code::corrupt, "needs more bits than the bitmaps hold"},
        BadHeader{"notes", 4096 + 48, 9000, 8, Code::corrupt, "the ELF notes at bytes 9000..9592 lie outside the sub-header blocks"},
        BadHeader{"vmcoreinfo", 4096 + 40, 1ull << 30, 8, Code::corrupt, "VMCOREINFO size 1073741824 is more than"}),
    [](const ::testing::TestParamInfo<BadHeader>& p) { return std::string(p.param.name); });

TEST(KdumpReader, TruncatedBitmapsAreRefused) {
    TempDir dir("kdf-reader");
    std::string path = copy_fixture(dir, "synthetic-d1-zlib.kdump", "cut.kdump");
    truncate_file(path, 3 * 4096 + 100);
    auto r = KdumpReader::open(path);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("truncated: the bitmaps end at byte 16384 but the file is 12388 bytes"),
              std::string::npos)
        << r.status().message();
}

TEST(KdumpReader, MissingFileIsNotFound) {
    auto r = KdumpReader::open("/nonexistent/dump.kdump");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::not_found);
}

}  // namespace
}  // namespace kdf::format::test
