// Translation over a kdump-compressed file: the same page walk as on the ELF vmcore, through
// format::KdumpPhysicalMemory, must reach the same bytes; a page the dump level excluded must read
// as not found, never as zeros. The kdump files are written here from the real Debian vmcores.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/format/file_output.h"
#include "core/format/kdump_physical_memory.h"
#include "core/pipeline/dump_job.h"
#include "tests/support/temp_dir.h"

namespace kdf::arch {
namespace {

class KdumpTranslation : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        auto core = vmcore::ElfVmcore::open(std::string(KDF_BUILD_DIR) + "/fixtures/" + GetParam());
        ASSERT_TRUE(core.is_ok()) << core.status().message();
        elf_.emplace(std::move(core).value());
        // Level 31 keeps kernel pages (page tables, mem_map, the log) and drops free, user and
        // cache pages, as makedumpfile -d 31 does.
        const std::string path = dir_ / "dump.kdump";
        {
            auto out = format::FileOutput::create(path);
            ASSERT_TRUE(out.is_ok()) << out.status().message();
            pipeline::DumpJobOptions options;
            options.level = 31;
            options.codec = "zstd";
            options.threads = 2;
            auto written = pipeline::write_dump(*elf_, out.value(), options);
            ASSERT_TRUE(written.is_ok()) << written.status().message();
            ASSERT_TRUE(out->sync().is_ok());
        }
        auto kdump = format::KdumpPhysicalMemory::open(path);
        ASSERT_TRUE(kdump.is_ok()) << kdump.status().message();
        kdump_ = std::move(kdump).value();
    }
    const vmcore::VmcoreInfo& info() const { return elf_->vmcoreinfo(); }

    kdf::test::TempDir dir_{"kdf-arch-kdump"};
    std::optional<vmcore::ElfVmcore> elf_;
    std::unique_ptr<format::KdumpPhysicalMemory> kdump_;
};

TEST_P(KdumpTranslation, WalksToTheSameBytesAsTheElfVmcore) {
    auto from_elf = KernelMemory::open(*elf_);
    ASSERT_TRUE(from_elf.is_ok()) << from_elf.status().message();
    auto from_kdump = KernelMemory::open(*kdump_);
    ASSERT_TRUE(from_kdump.is_ok()) << from_kdump.status().message();
    // A kdump file records no PT_LOAD virtual addresses: every direct-map address is walked.
    EXPECT_EQ(from_kdump->describe().find("direct map at"), std::string::npos) << from_kdump->describe();

    // mem_section's root array is allocated (direct map); section 0 leads to the vmemmap.
    auto root = from_kdump->read_u64(*info().symbol("mem_section"));
    ASSERT_TRUE(root.is_ok()) << root.status().message();
    EXPECT_EQ(root.value(), from_elf->read_u64(*info().symbol("mem_section")).value());
    auto section0 = from_kdump->read_u64(root.value());
    ASSERT_TRUE(section0.is_ok()) << section0.status().message();
    const uint64_t vmemmap = section0.value() & ~0x3fULL;
    const uint64_t root_page = root.value() & ~uint64_t{0xfff};  // mapped: root was just read from it
    const uint64_t leaf_edge = vmemmap + (uint64_t{2} << 20) - 4096;  // across vmemmap's first 2 MiB leaf
    const struct {
        uint64_t vaddr;
        size_t pages;
    } reads[] = {{root_page, 1}, {vmemmap, 3}, {leaf_edge, 2}};
    for (const auto& r : reads) {
        std::vector<std::byte> a(r.pages * 4096), b(r.pages * 4096);
        Status e = from_elf->read(r.vaddr, a);
        ASSERT_TRUE(e.is_ok()) << e.to_string();
        Status k = from_kdump->read(r.vaddr, b);
        ASSERT_TRUE(k.is_ok()) << k.to_string();
        EXPECT_TRUE(a == b) << "bytes differ at " << std::hex << r.vaddr;
    }
}

TEST_P(KdumpTranslation, AnExcludedPageIsNotFoundNeverZeros) {
    auto opened = format::KdumpReader::open(kdump_->path());
    ASSERT_TRUE(opened.is_ok()) << opened.status().message();
    format::KdumpReader& reader = opened.value();
    std::optional<uint64_t> excluded;
    for (const auto& r : elf_->phys_map().ranges()) {
        for (uint64_t pfn = (r.paddr + 4095) / 4096; pfn < r.end() / 4096 && !excluded; ++pfn) {
            auto dumped = reader.is_dumped(pfn);
            ASSERT_TRUE(dumped.is_ok());
            if (!dumped.value()) excluded = pfn;
        }
        if (excluded) break;
    }
    ASSERT_TRUE(excluded.has_value()) << "level 31 excluded no page of " << GetParam();
    std::vector<std::byte> page(4096);
    EXPECT_TRUE(elf_->read_phys(*excluded * 4096, page).is_ok());  // the ELF vmcore has it
    Status s = kdump_->read_phys(*excluded * 4096, page);
    EXPECT_EQ(s.code(), Code::not_found) << s.to_string();
    EXPECT_NE(s.message().find("is not in the dump"), std::string::npos) << s.message();
    EXPECT_EQ(kdump_->held_from(*excluded * 4096), 0u);
}

INSTANTIATE_TEST_SUITE_P(Debian, KdumpTranslation, ::testing::Values("vmcore-6.1-a", "vmcore-6.12-c"),
                         [](const auto& p) { return std::string(p.param) == "vmcore-6.1-a" ? "v6_1" : "v6_12"; });

}  // namespace
}  // namespace kdf::arch
