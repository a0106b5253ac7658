// Translation on generated kernels (kdf-mkvmcore --kernel): 5-level paging and randomised
// page_offset_base/vmemmap_base, which the real fixtures (4-level) do not exercise. The same
// vmcores are accepted and filtered by makedumpfile 1.7.2 (tests/unit/mkvmcore), so their page
// tables are an independent second opinion.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/arch/kernel_memory.h"
#include "core/arch/x86_64/x86_64_translator.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"

namespace kdf::arch {
namespace {

struct Layout {
    const char* name;
    const char* args;
    int levels;
};

class GeneratedKernel : public ::testing::TestWithParam<Layout> {};

TEST_P(GeneratedKernel, SymbolsDirectMapAndVmemmapTranslate) {
    kdf::test::TempDir dir("kdf-arch-gen");
    const std::string path = dir / "vmcore";
    const std::string cmd = std::string(KDF_MKVMCORE) + " " + GetParam().args + " " + path + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto core = vmcore::ElfVmcore::open(path);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    auto mem = KernelMemory::open(core.value());
    ASSERT_TRUE(mem.is_ok()) << mem.status().message();
    EXPECT_NE(mem.value().describe().find(std::to_string(GetParam().levels) + "-level paging"), std::string::npos)
        << mem.value().describe();
    EXPECT_NE(mem.value().describe().find("direct map at"), std::string::npos) << mem.value().describe();

    const vmcore::VmcoreInfo& info = core.value().vmcoreinfo();
    char uts[65 * 3];
    ASSERT_TRUE(mem.value().read(*info.symbol("init_uts_ns"), std::as_writable_bytes(std::span(uts))).is_ok());
    EXPECT_STREQ(uts, "Linux");
    EXPECT_EQ(std::string(uts + 130), std::string(*info.osrelease()));

    for (const vmcore::LoadSegment& seg : core.value().segments()) {
        if (seg.alias) continue;
        auto p = mem.value().to_physical(seg.vaddr + seg.mem_size - 8);
        ASSERT_TRUE(p.is_ok()) << p.status().message();
        EXPECT_EQ(p.value(), seg.paddr + seg.mem_size - 8);
    }
    auto root = mem.value().read_u64(*info.symbol("mem_section"));
    ASSERT_TRUE(root.is_ok()) << root.status().message();
    auto section0 = mem.value().read_u64(root.value());
    ASSERT_TRUE(section0.is_ok()) << section0.status().message();
    const uint64_t vmemmap = section0.value() & ~0x3fULL;
    const uint64_t last_pfn = (core.value().phys_map().ranges().back().end() >> 12) - 1;
    EXPECT_TRUE(mem.value().read_u64(vmemmap + last_pfn * *info.size("page")).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Layouts, GeneratedKernel,
                         ::testing::Values(Layout{"four_level", "--kernel --size 64M --seed 3", 4},
                                           Layout{"five_level_kaslr", "--paging 5 --kaslr --size 64M --seed 5", 5},
                                           Layout{"kaslr_holes", "--kaslr --holes 3 --size 96M --seed 9", 4}),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace kdf::arch
