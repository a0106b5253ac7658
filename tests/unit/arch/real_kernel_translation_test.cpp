// Translation on real crashed kernels (Debian 6.1 and 6.12, KASLR on): kernel-image symbols,
// the direct map and the vmemmap must lead to the bytes the kernel says are there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/arch/kernel_utsname.h"
#include "core/arch/x86_64/x86_64_translator.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::arch {
namespace {

class RealKernel : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        auto core = vmcore::ElfVmcore::open(std::string(KDF_BUILD_DIR) + "/fixtures/" + GetParam());
        ASSERT_TRUE(core.is_ok()) << core.status().message();
        core_.emplace(std::move(core).value());
        auto mem = KernelMemory::open(*core_);
        ASSERT_TRUE(mem.is_ok()) << mem.status().message();
        mem_.emplace(std::move(mem).value());
    }
    const vmcore::VmcoreInfo& info() const { return core_->vmcoreinfo(); }

    std::optional<vmcore::ElfVmcore> core_;
    std::optional<KernelMemory> mem_;
};

// init_uts_ns.name is a struct new_utsname: six 65-byte strings, sysname first, release third.
TEST_P(RealKernel, KernelImageSymbolHoldsTheUtsname) {
    const uint64_t uts = *info().symbol("init_uts_ns") + info().offset("uts_namespace.name").value_or(0);
    char name[65 * 3];
    ASSERT_TRUE(mem_->read(uts, std::as_writable_bytes(std::span(name))).is_ok());
    EXPECT_STREQ(name, "Linux");
    EXPECT_EQ(std::string(name + 130), std::string(*info().osrelease()));
}

// The dump header's utsname is the crashed kernel's own, as makedumpfile copies it: Debian's
// kernels run with no hostname set in these guests ("(none)").
TEST_P(RealKernel, UtsnameIsTheCrashedKernels) {
    const KernelUtsname u = read_kernel_utsname(*core_);
    EXPECT_TRUE(u.from_memory) << u.fallback_reason;
    EXPECT_EQ(u.sysname, "Linux");
    EXPECT_EQ(u.nodename, "(none)");
    EXPECT_EQ(u.release, std::string(*info().osrelease()));
    EXPECT_EQ(u.version.rfind("#1 SMP PREEMPT_DYNAMIC Debian ", 0), 0u) << u.version;
    EXPECT_EQ(u.machine, "x86_64");
    EXPECT_EQ(u.domainname, "(none)");
}

// Every RAM PT_LOAD's p_vaddr is its direct-map address: the walk must agree, and the
// shortcut must have been proven.
TEST_P(RealKernel, DirectMapMatchesThePtLoads) {
    EXPECT_NE(mem_->describe().find("direct map at"), std::string::npos) << mem_->describe();
    for (const vmcore::LoadSegment& seg : core_->segments()) {
        if (seg.alias) continue;
        auto p = mem_->to_physical(seg.vaddr + 0x10);
        ASSERT_TRUE(p.is_ok()) << p.status().message();
        EXPECT_EQ(p.value(), seg.paddr + 0x10);
    }
}

// SPARSEMEM_EXTREME: mem_section points at an array of roots; section 0's section_mem_map,
// with its flag bits cleared, is where pfn 0's struct page lives: the start of the vmemmap.
TEST_P(RealKernel, MemSectionLeadsToTheVmemmap) {
    auto root = mem_->read_u64(*info().symbol("mem_section"));
    ASSERT_TRUE(root.is_ok()) << root.status().message();
    auto section0 = mem_->read_u64(root.value());
    ASSERT_TRUE(section0.is_ok()) << section0.status().message();
    EXPECT_EQ(section0.value() & 0x2, 0x2u) << "SECTION_HAS_MEM_MAP";
    const uint64_t vmemmap = section0.value() & ~0x3fULL;
    EXPECT_EQ(vmemmap % (1ULL << 30), 0u);  // vmemmap_base is PUD-aligned, even under KASLR
    if (auto sym = info().symbol("vmemmap")) {
        EXPECT_EQ(vmemmap, *sym);  // exported since 6.x
    }
    // The struct page of a page inside the first RAM range can be read through the vmemmap.
    const uint64_t pfn = (core_->phys_map().ranges().back().paddr >> 12) + 1;
    auto flags = mem_->read_u64(vmemmap + pfn * *info().size("page"));
    EXPECT_TRUE(flags.is_ok()) << flags.status().message();
}

// A long read steps mapping by mapping (vmemmap's 2 MiB leaves); it must give the same bytes as
// translating and reading every 4 KiB page on its own, across leaf edges.
TEST_P(RealKernel, LongVmemmapReadEqualsPageByPageReads) {
    auto root = mem_->read_u64(*info().symbol("mem_section"));
    ASSERT_TRUE(root.is_ok()) << root.status().message();
    auto section0 = mem_->read_u64(root.value());
    ASSERT_TRUE(section0.is_ok()) << section0.status().message();
    const uint64_t vmemmap = section0.value() & ~0x3fULL;
    const auto first = mem_->translate(vmemmap);
    ASSERT_TRUE(first.is_ok()) << first.status().message();
    EXPECT_GT(first.value().contiguous, 4096u) << "Debian maps vmemmap with 2 MiB pages";
    // 3 MiB from 0x1000 before a 2 MiB edge: two leaf edges are crossed.
    const uint64_t start = vmemmap + (2ULL << 20) - 0x1000;
    std::vector<std::byte> whole(3ULL << 20), paged(3ULL << 20);
    ASSERT_TRUE(mem_->read(start, whole).is_ok());
    for (uint64_t off = 0; off < paged.size(); off += 4096) {
        auto pa = mem_->to_physical(start + off);
        ASSERT_TRUE(pa.is_ok()) << pa.status().message();
        ASSERT_TRUE(core_->read_phys(pa.value(), std::span(paged).subspan(off, 4096)).is_ok());
    }
    EXPECT_TRUE(whole == paged);
}

TEST_P(RealKernel, UserAddressesAreNotMappedInTheKernelTables) {
    auto p = mem_->to_physical(0x400000);
    ASSERT_FALSE(p.is_ok());
    EXPECT_EQ(p.status().code(), Code::not_found);
}

INSTANTIATE_TEST_SUITE_P(Debian, RealKernel, ::testing::Values("vmcore-6.1-a", "vmcore-6.12-c"),
                         [](const auto& p) { return std::string(p.param) == "vmcore-6.1-a" ? "v6_1" : "v6_12"; });

}  // namespace
}  // namespace kdf::arch
