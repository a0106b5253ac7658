// Bad input: a copy of the real 6.1 vmcore with its VMCOREINFO or its memory edited. Whatever
// cannot be classified is dumped (level-0 behaviour for those pages), one warning line says so,
// and the dump is complete and correct: it never drops a page makedumpfile keeps, and every page
// it holds equals the input.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/format/file_output.h"
#include "core/format/kdump_reader.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"
#include "core/vmcore/le_bytes.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

const std::string kFixture = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-a";
constexpr uint64_t kPagesPerSection = 32768;  // SECTION_SIZE_BITS 27, 4 KiB pages

class BadInput : public ::testing::Test {
protected:
    void SetUp() override {
        copy_ = dir_ / "vmcore";
        std::filesystem::copy_file(kFixture, copy_);
        std::filesystem::permissions(copy_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        auto core = vmcore::ElfVmcore::open(kFixture);
        ASSERT_TRUE(core.is_ok()) << core.status().message();
        original_.emplace(std::move(core).value());
    }

    void patch(uint64_t offset, const void* bytes, size_t n) {
        std::fstream f(copy_, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(offset));
        f.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
        ASSERT_TRUE(f.good());
    }
    void patch_u64_phys(uint64_t paddr, uint64_t value) {
        const auto* r = original_->phys_map().find(paddr);
        ASSERT_NE(r, nullptr);
        std::byte b[8];
        vmcore::store_le64(b, value);
        patch(r->file_offset + (paddr - r->paddr), b, 8);
    }
    uint64_t read_u64_phys(uint64_t paddr) const {
        std::byte b[8];
        EXPECT_TRUE(original_->read_phys(paddr, b).is_ok());
        return vmcore::load_le64(b);
    }
    // Replaces text inside the VMCOREINFO note, keeping its length.
    void edit_vmcoreinfo(const std::string& from, const std::string& to) {
        ASSERT_EQ(from.size(), to.size());
        std::vector<uint8_t> head(1 << 20);
        std::ifstream(copy_, std::ios::binary).read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
        auto it = std::search(head.begin(), head.end(), from.begin(), from.end());
        ASSERT_NE(it, head.end()) << from;
        patch(static_cast<uint64_t>(it - head.begin()), to.data(), to.size());
    }

    // Dumps the edited copy at `level`; checks it is complete and correct, returns its 2nd bitmap.
    Bitmap dump(int level) {
        auto core = vmcore::ElfVmcore::open(copy_);
        EXPECT_TRUE(core.is_ok()) << core.status().message();
        if (!core.is_ok()) return {};
        auto out = format::FileOutput::create(dir_ / "dump");
        EXPECT_TRUE(out.is_ok());
        pipeline::DumpJobOptions job;
        job.level = level;
        job.codec = "lz4";
        job.warning = [&](const std::string& line) { warnings_.push_back(line); };
        auto r = pipeline::write_dump(core.value(), out.value(), job);
        EXPECT_TRUE(r.is_ok()) << r.status().message();
        EXPECT_TRUE(out->sync().is_ok());
        // Complete: the reader opens it, it is not marked incomplete; correct: every page equals the input.
        auto reader = format::KdumpReader::open(dir_ / "dump");
        EXPECT_TRUE(reader.is_ok()) << reader.status().message();
        if (!reader.is_ok()) return {};
        EXPECT_FALSE(reader->incomplete());
        std::vector<std::byte> a(4096), b(4096);
        Status s = reader->for_each_dumped([&](uint64_t pfn, uint64_t) -> Status {
            if (Status e = reader->read_page(pfn, a); !e.is_ok()) return e;
            if (Status e = core->read_phys(pfn * 4096, b); !e.is_ok()) return e;  // the edited input
            return a == b ? Status::ok() : Status::error(Code::corrupt, "pfn " + std::to_string(pfn) + " differs");
        });
        EXPECT_TRUE(s.is_ok()) << s.message();
        return kdump_bitmap2(dir_ / "dump");
    }

    // Never a page makedumpfile keeps left out.
    static void expect_superset(const Bitmap& ours, const Bitmap& ref) {
        BitmapDiff d = diff(ours, ref);
        EXPECT_EQ(d.theirs_only_count, 0u) << describe(d);
    }
    void expect_one_warning(const std::string& needle) {
        ASSERT_EQ(warnings_.size(), 1u);
        EXPECT_EQ(warnings_[0].find('\n'), std::string::npos);
        EXPECT_NE(warnings_[0].find(needle), std::string::npos) << warnings_[0];
    }

    kdf::test::TempDir dir_{"kdf-filter-bad"};
    std::string copy_;
    std::optional<vmcore::ElfVmcore> original_;
    std::vector<std::string> warnings_;
};

TEST_F(BadInput, NoVmcoreinfoDumpsEveryPage) {
    edit_vmcoreinfo(std::string("VMCOREINFO\0", 11), std::string("VMCOREINFX\0", 11));
    Bitmap b = dump(31);
    EXPECT_EQ(b.bytes, reference_bitmap("vmcore-6.1-a", 1).bytes);  // = every present page
    expect_one_warning("dump level 31: pages cannot be classified (the vmcore has no VMCOREINFO note)");
}

TEST_F(BadInput, NoStructPageSizeDumpsEveryPage) {
    edit_vmcoreinfo("SIZE(page)=", "SIZE(pagX)=");
    Bitmap b = dump(31);
    EXPECT_EQ(b.bytes, reference_bitmap("vmcore-6.1-a", 1).bytes);
    expect_one_warning("VMCOREINFO lacks SIZE(page)");
}

// Without the buddy marker free pages cannot be told: level 31 acts as 15 and says so.
TEST_F(BadInput, NoBuddyMarkerKeepsFreePagesOnly) {
    edit_vmcoreinfo("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "NUMBER(PAGE_BUDDX_MAPCOUNT_VALUE)");
    Bitmap b = dump(31);
    expect_superset(b, reference_bitmap("vmcore-6.1-a", 31));
    EXPECT_GT(b.count(), reference_bitmap("vmcore-6.1-a", 31).count() + 10000);  // the fixture has ~68000 free pages
    auto core = vmcore::ElfVmcore::open(kFixture);
    ASSERT_TRUE(core.is_ok());
    EXPECT_EQ(b.bytes, filter_bitmap(core.value(), 15).bitmap.bytes);
    expect_one_warning("free pages");
}

// Section 2's mem_map points into unmapped vmemmap: its 32768 pages are dumped, the rest filtered.
TEST_F(BadInput, MemMapOutsideMemoryKeepsThatSection) {
    const auto& info = original_->vmcoreinfo();
    auto mem = arch::KernelMemory::open(*original_);
    ASSERT_TRUE(mem.is_ok());
    auto root = mem->read_u64(*info.symbol("mem_section"));
    ASSERT_TRUE(root.is_ok());
    auto entry = mem->to_physical(root.value() + 2 * 32);  // section 2, SIZE(mem_section) 32
    ASSERT_TRUE(entry.is_ok());
    const uint64_t flags = read_u64_phys(entry.value()) & 31;
    const uint64_t nowhere = 0xfffffe8000000000ULL;  // a kernel address nothing maps
    patch_u64_phys(entry.value(), (nowhere - 2 * kPagesPerSection * 64) | flags);
    Bitmap b = dump(31);
    Bitmap ref = reference_bitmap("vmcore-6.1-a", 31), present = reference_bitmap("vmcore-6.1-a", 1);
    for (uint64_t p = 0; p < present.bytes.size() * 8; ++p) {
        const bool in_section2 = p / kPagesPerSection == 2;
        ASSERT_EQ(b.get(p), in_section2 ? present.get(p) : ref.get(p)) << "pfn " << p;
    }
    expect_one_warning("32768 pages could not be classified");
}

// The page-table entry that maps section 3's struct pages points past the end of memory.
TEST_F(BadInput, PageTableEntryPastTheEndKeepsThosePages) {
    const auto& info = original_->vmcoreinfo();
    auto mem = arch::KernelMemory::open(*original_);
    ASSERT_TRUE(mem.is_ok());
    auto root = mem->read_u64(*info.symbol("mem_section"));
    ASSERT_TRUE(root.is_ok());
    auto smm = mem->read_u64(root.value() + 3 * 32);
    ASSERT_TRUE(smm.is_ok());
    const uint64_t vaddr = (smm.value() & ~31ULL) + 3 * kPagesPerSection * 64;  // struct page of pfn 98304
    // Walk to the PMD entry for it (4-level paging; the vmemmap uses 2 MiB leaves or a PTE table).
    uint64_t table = *info.symbol("init_top_pgt") - 0xffffffff80000000ULL + static_cast<uint64_t>(*info.number("phys_base"));
    uint64_t entry_addr = 0;
    for (int shift : {39, 30, 21}) {
        entry_addr = table + ((vaddr >> shift) & 511) * 8;
        table = read_u64_phys(entry_addr) & 0x000ffffffffff000ULL;
    }
    const uint64_t e = read_u64_phys(entry_addr);
    patch_u64_phys(entry_addr, (e & ~0x000ffffffffff000ULL) | 0x7ff000000000ULL);  // 128 TiB: past the dump
    Bitmap b = dump(31);
    expect_superset(b, reference_bitmap("vmcore-6.1-a", 31));
    EXPECT_GT(b.count(), reference_bitmap("vmcore-6.1-a", 31).count());
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_NE(warnings_[0].find("pages could not be classified"), std::string::npos) << warnings_[0];
}

}  // namespace
}  // namespace kdf::filter::test
