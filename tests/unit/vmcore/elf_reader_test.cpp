#include "core/vmcore/elf_reader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cstring>

#include "temp_dir.h"
#include "vmcore_builder.h"

namespace kdf::vmcore {
namespace {

using test::Bytes;

class ElfReader : public ::testing::Test {
protected:
    std::string write(const Bytes& b, const std::string& name = "vmcore") {
        std::string p = dir_.file(name);
        EXPECT_TRUE(test::write_file(p, b));
        return p;
    }
    test::TempDir dir_;
};

uint64_t le64(const std::byte* p) {
    uint64_t v = 0;
    std::memcpy(&v, p, 8);  // test host is little-endian (x86_64 CI)
    return v;
}

// mmap windows (what the crash kernel's /proc/vmcore is read through) give the file's bytes
// everywhere, including the last partial page, which cannot be mapped and is left to pread.
TEST_F(ElfReader, MmapWindowsReadTheSameBytesAsTheFile) {
    test::Built built = test::build_vmcore(test::default_spec());
    ASSERT_NE(built.bytes.size() % 4096, 0u) << "the test wants a file that ends mid-page";
    const std::string path = write(built.bytes);
    auto v = ElfVmcore::open(path, ReadMode::mmap);
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    ASSERT_TRUE(v->reads_through_mmap());
    for (size_t chunk : {size_t{1}, size_t{100}, size_t{4096}, size_t{5000}}) {
        for (uint64_t off = 0; off < built.bytes.size(); off += chunk) {
            const size_t n = std::min<size_t>(chunk, built.bytes.size() - off);
            test::Bytes got(n);
            ASSERT_TRUE(v->read(off, got).is_ok()) << off;
            ASSERT_TRUE(std::equal(got.begin(), got.end(), built.bytes.begin() + static_cast<std::ptrdiff_t>(off)))
                << "chunk " << chunk << " at " << off;
        }
    }
    EXPECT_TRUE(v->reads_through_mmap());
    EXPECT_FALSE(ElfVmcore::open(path)->reads_through_mmap()) << "automatic: only /proc files are read through mmap";
}

TEST_F(ElfReader, OpensASmallVmcore) {
    test::Built built = test::build_vmcore(test::default_spec());
    const std::string path = write(built.bytes);
    auto v = ElfVmcore::open(path);
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->path(), path);
    EXPECT_EQ(v->machine(), 62);
    EXPECT_EQ(v->file_size(), built.bytes.size());
    ASSERT_EQ(v->segments().size(), 3u);
    EXPECT_TRUE(v->segments()[0].alias);
    EXPECT_FALSE(v->segments()[1].alias);
    EXPECT_FALSE(v->segments()[2].alias);
    EXPECT_EQ(v->segments()[0].phdr_index, 1u);
    EXPECT_EQ(v->segments()[2].mem_size, 0x2000u);
    EXPECT_EQ(v->segments()[2].file_offset, built.load_offsets[2]);
    ASSERT_EQ(v->phys_map().ranges().size(), 2u);
    EXPECT_EQ(v->phys_map().max_pfn(), 0x202u);
    EXPECT_EQ(v->phys_map().total_pages(), 5u);
    ASSERT_EQ(v->notes().size(), 3u);
    ASSERT_EQ(v->cpu_notes().size(), 2u);
    EXPECT_EQ(v->cpu_notes()[0].pid, 4242);
    EXPECT_EQ(v->cpu_notes()[1].pid, 0);
    EXPECT_EQ(v->cpu_notes()[1].cpu, 1u);
    EXPECT_EQ(v->cpu_notes()[0].prstatus.size(), 336u);
    ASSERT_TRUE(v->has_vmcoreinfo());
    EXPECT_EQ(v->vmcoreinfo().osrelease(), "6.1.0-test");
    EXPECT_EQ(v->vmcoreinfo().number("phys_base"), -31457280);
    EXPECT_GE(v->fd(), 0);
}

TEST_F(ElfReader, ReadPhysFollowsTheMapAndZeroFillsMemsz) {
    auto v = ElfVmcore::open(write(test::build_vmcore(test::default_spec()).bytes));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    Bytes buf(0x3000);
    ASSERT_TRUE(v->read_phys(0x100000, buf).is_ok());
    for (uint64_t w = 0; w < buf.size(); w += 8) ASSERT_EQ(le64(buf.data() + w), test::word_at(0x100000 + w)) << w;

    // Last file word of RAM 2, then the p_filesz..p_memsz tail that reads as zero.
    Bytes tail(16, std::byte{0xee});
    ASSERT_TRUE(v->read_phys(0x200ff8, tail).is_ok());
    EXPECT_EQ(le64(tail.data()), test::word_at(0x200ff8));
    EXPECT_EQ(le64(tail.data() + 8), 0u);

    Status hole = v->read_phys(0x300000, buf);
    EXPECT_EQ(hole.code(), Code::not_found);
    EXPECT_EQ(hole.message(), v->path() + ": physical address 0x300000 is not in the vmcore (no PT_LOAD maps it)");
    Bytes across(16);
    Status partial = v->read_phys(0x102ff8, across);
    EXPECT_EQ(partial.message(), v->path() + ": physical address 0x103000 is not in the vmcore (no PT_LOAD maps it)");
}

TEST_F(ElfReader, ReadIsRangeChecked) {
    test::Built built = test::build_vmcore(test::default_spec());
    auto v = ElfVmcore::open(write(built.bytes));
    ASSERT_TRUE(v.is_ok());
    Bytes head(4);
    ASSERT_TRUE(v->read(0, head).is_ok());
    EXPECT_EQ(std::to_integer<char>(head[1]), 'E');
    Bytes eight(8);
    Status s = v->read(v->file_size() - 4, eight);
    EXPECT_EQ(s.code(), Code::corrupt);
    char want[200];
    std::snprintf(want, sizeof want, ": read of 8 bytes at file offset 0x%zx is past end of file (file is %zu bytes)",
                  built.bytes.size() - 4, built.bytes.size());
    EXPECT_EQ(s.message(), v->path() + want);
    EXPECT_FALSE(v->read(~uint64_t{0}, eight).is_ok());
}

TEST_F(ElfReader, NoVmcoreinfoIsAccepted) {
    test::VmcoreSpec spec = test::default_spec();
    spec.note_segments = {test::make_note("CORE", 1, test::make_prstatus(1))};
    auto v = ElfVmcore::open(write(test::build_vmcore(spec).bytes));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_FALSE(v->has_vmcoreinfo());
    EXPECT_TRUE(v->vmcoreinfo().empty());
    EXPECT_EQ(v->cpu_notes().size(), 1u);
}

TEST_F(ElfReader, EmptyAndMultiplePtNotes) {
    test::VmcoreSpec spec = test::default_spec();
    spec.note_segments = {Bytes{}, test::make_note("CORE", 1, test::make_prstatus(11)),
                          test::concat({test::make_note("CORE", 1, test::make_prstatus(12)),
                                        test::make_note("VMCOREINFO", 0, test::text_bytes(std::string("PAGESIZE=4096\n\0\0", 16)))})};
    auto v = ElfVmcore::open(write(test::build_vmcore(spec).bytes));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    ASSERT_EQ(v->cpu_notes().size(), 2u);
    EXPECT_EQ(v->cpu_notes()[0].pid, 11);
    EXPECT_EQ(v->cpu_notes()[1].pid, 12);
    EXPECT_EQ(v->vmcoreinfo().page_size(), 4096u);
}

TEST_F(ElfReader, PnXnumTakesTheCountFromSectionHeaderZero) {
    test::Built built = test::build_vmcore(test::default_spec());
    Bytes b = built.bytes;
    const uint64_t shoff = b.size();
    b.resize(b.size() + 64);
    test::store_le(b, shoff + 44, 4, 4);  // sh_info: the real e_phnum
    test::store_le(b, 40, shoff, 8);      // e_shoff
    test::store_le(b, 58, 64, 2);         // e_shentsize
    test::store_le(b, 60, 1, 2);          // e_shnum
    test::store_le(b, 56, 0xffff, 2);     // e_phnum = PN_XNUM
    auto v = ElfVmcore::open(write(b));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->segments().size(), 3u);
}

TEST_F(ElfReader, AliasOnOtherMachinesNeedsOnlyADifferentMapping) {
    test::VmcoreSpec spec = test::default_spec();
    spec.machine = 183;  // EM_AARCH64: no x86 kernel-text bound, a second mapping is still an alias
    spec.loads[0].vaddr = 0xffff800008000000ULL;
    auto v = ElfVmcore::open(write(test::build_vmcore(spec).bytes));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->machine(), 183);
    EXPECT_TRUE(v->segments()[0].alias);
}

TEST_F(ElfReader, MissingFileIsNotFound) {
    auto v = ElfVmcore::open(dir_.file("nope"));
    ASSERT_FALSE(v.is_ok());
    EXPECT_EQ(v.status().code(), Code::not_found);
    EXPECT_NE(v.status().to_string().find("open " + dir_.file("nope")), std::string::npos);
}

TEST(ElfProbe, ThreeWays) {
    test::Built built = test::build_vmcore(test::default_spec());
    std::span<const std::byte> head(built.bytes.data(), 64);
    std::string why;
    EXPECT_EQ(probe_elf_vmcore(head, &why), ProbeResult::mine);
    EXPECT_EQ(probe_elf_vmcore({}, &why), ProbeResult::not_mine);
    Bytes kdump = test::text_bytes("KDUMP   and more bytes than that, to fill a header of sixty-four bytes...");
    EXPECT_EQ(probe_elf_vmcore(kdump, &why), ProbeResult::not_mine);
    EXPECT_EQ(why, "not an ELF vmcore (bad magic)");
    EXPECT_EQ(probe_elf_vmcore(head.first(3)), ProbeResult::broken);  // "\x7f" "EL": ELF, cut short
    Bytes exec(built.bytes.begin(), built.bytes.begin() + 64);
    exec[16] = std::byte{2};
    EXPECT_EQ(probe_elf_vmcore(exec, &why), ProbeResult::broken);
}

}  // namespace
}  // namespace kdf::vmcore
