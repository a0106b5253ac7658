// Translation on a real arm64 crash (Debian 6.1.0-57-arm64 under QEMU: 4 KiB pages, 48-bit VA,
// KASLR, pointer authentication): the kernel image, the linear map and the vmemmap must lead to
// the bytes the kernel says are there, and the shortcuts must agree with the walk.
#include <gtest/gtest.h>

#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "core/arch/arm64/arm64_translator.h"
#include "core/arch/kernel_memory.h"
#include "core/arch/kernel_utsname.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::arch {
namespace {

class RealArm64 : public ::testing::Test {
protected:
    void SetUp() override {
        auto core = vmcore::ElfVmcore::open(std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-arm64-f");
        ASSERT_TRUE(core.is_ok()) << core.status().message();
        core_.emplace(std::move(core).value());
        auto mem = KernelMemory::open(*core_);
        ASSERT_TRUE(mem.is_ok()) << mem.status().message();
        mem_.emplace(std::move(mem).value());
        auto t = Arm64Translator::create(*core_);
        ASSERT_TRUE(t.is_ok()) << t.status().message();
        walker_ = std::move(t).value();
    }
    const vmcore::VmcoreInfo& info() const { return core_->vmcoreinfo(); }

    std::optional<vmcore::ElfVmcore> core_;
    std::optional<KernelMemory> mem_;
    std::unique_ptr<Arm64Translator> walker_;
};

TEST_F(RealArm64, LayoutIsReadFromVmcoreinfo) {
    const Arm64Layout& l = walker_->layout();
    EXPECT_EQ(l.page_size, 4096u);
    EXPECT_EQ(l.va_bits_actual, 48);
    EXPECT_EQ(l.levels, 4);
    EXPECT_TRUE(l.flipped);
    EXPECT_FALSE(l.lpa2);
    EXPECT_EQ(l.linear_start, 0xffff000000000000u);
    EXPECT_EQ(l.phys_offset, 0x40000000u);
    EXPECT_EQ(l.pac_mask, 0xffff000000000000u);
    const std::string d = mem_->describe();
    for (const char* part : {"arm64, 4 KiB pages, 48-bit kernel VA", "linear map at 0xffff000000000000",
                             "KASLR offset 0x4b05fba00000", "PAC mask 0xffff000000000000"})
        EXPECT_NE(d.find(part), std::string::npos) << d;
}

// init_uts_ns is in the kernel image (found by kimage_voffset): "Linux", the release, "aarch64".
TEST_F(RealArm64, UtsnameIsTheCrashedKernels) {
    const KernelUtsname u = read_kernel_utsname(*core_);
    EXPECT_TRUE(u.from_memory) << u.fallback_reason;
    EXPECT_EQ(u.sysname, "Linux");
    EXPECT_EQ(u.release, "6.1.0-57-arm64");
    EXPECT_EQ(u.machine, "aarch64");
}

// The kernel-image PT_LOAD is an alias of linear-map memory: the walk must agree with
// kimage_voffset over it and with the linear formula over every RAM PT_LOAD.
TEST_F(RealArm64, ShortcutsAgreeWithTheWalk) {
    int image = 0, linear = 0;
    for (const vmcore::LoadSegment& seg : core_->segments()) {
        // The image header before _stext (the first 64 KiB) is not mapped.
        const uint64_t first = seg.alias ? *info().symbol("_stext") - seg.vaddr + 0x10 : 0x10;
        for (uint64_t off : {first, seg.mem_size / 2 + 0x28, seg.mem_size - 8}) {
            auto fast = mem_->translate(seg.vaddr + off);
            auto walked = walker_->walk(seg.vaddr + off);
            ASSERT_TRUE(fast.is_ok()) << fast.status().message();
            ASSERT_TRUE(walked.is_ok()) << walked.status().message();
            EXPECT_EQ(fast->paddr, seg.paddr + off);
            EXPECT_EQ(walked->paddr, seg.paddr + off);
        }
        (seg.alias ? image : linear)++;
    }
    EXPECT_EQ(image, 1);
    EXPECT_EQ(linear, 2);
    EXPECT_TRUE(walker_->linear_map_proven());
    EXPECT_TRUE(walker_->kernel_image_proven());
    auto header = walker_->walk(*info().symbol("_stext") - 0x10000);
    ASSERT_FALSE(header.is_ok());
    EXPECT_EQ(header.status().code(), Code::not_found);
}

// The kernel image is in the file twice (its PT_LOAD and inside the first linear-map PT_LOAD):
// the physical map holds each page once, 131072 pages below pfn 0x70000.
TEST_F(RealArm64, PhysicalMapHoldsEachPageOnce) {
    const auto& ranges = core_->phys_map().ranges();
    ASSERT_EQ(ranges.size(), 2u);
    EXPECT_EQ(ranges[0].paddr, 0x40000000u);
    EXPECT_EQ(ranges[1].paddr, 0x6b200000u);
    EXPECT_EQ(core_->phys_map().total_pages(4096), 131072u);
    EXPECT_EQ(core_->phys_map().max_pfn(4096), 0x70000u);
    int aliases = 0;
    for (const vmcore::LoadSegment& seg : core_->segments()) aliases += seg.alias ? 1 : 0;
    EXPECT_EQ(aliases, 1);
}

// SPARSEMEM_EXTREME: the first present section's mem_map (a vmemmap address, 2 MiB blocks in
// the kernel's tables) holds the struct pages of the first RAM pages.
TEST_F(RealArm64, MemSectionLeadsToTheVmemmap) {
    auto root = mem_->read_u64(*info().symbol("mem_section"));
    ASSERT_TRUE(root.is_ok()) << root.status().message();
    const uint64_t first_pfn = core_->phys_map().ranges().front().paddr >> 12;
    const uint64_t section = first_pfn >> (27 - 12);  // NUMBER(SECTION_SIZE_BITS)=27
    auto encoded = mem_->read_u64(root.value() + section * *info().size("mem_section"));
    ASSERT_TRUE(encoded.is_ok()) << encoded.status().message();
    EXPECT_EQ(encoded.value() & 0x2, 0x2u) << "SECTION_HAS_MEM_MAP";
    const uint64_t mem_map_base = encoded.value() & ~0x3fULL;  // minus the section's first pfn
    const uint64_t vmemmap_start = static_cast<uint64_t>(*info().number_bits("VMEMMAP_START"));
    const uint64_t page = mem_map_base + first_pfn * *info().size("page");
    EXPECT_GE(page, vmemmap_start);
    auto t = mem_->translate(page);
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    EXPECT_GT(t->contiguous, 4096u) << "vmemmap is mapped with blocks";
    auto flags = mem_->read_u64(page + 4096 * *info().size("page"));
    EXPECT_TRUE(flags.is_ok()) << flags.status().message();
}

// The crashkernel range (5b200000-6b1fffff) is a hole in the dump: its linear addresses are
// mapped, but reading them is not_found, never zeros.
TEST_F(RealArm64, CrashKernelHoleIsNotReadAsZeros) {
    auto v = mem_->read_u64(0xffff000000000000ULL + 0x5b200000 - 0x40000000 + 0x1000);
    ASSERT_FALSE(v.is_ok());
    EXPECT_EQ(v.status().code(), Code::not_found) << v.status().message();
}

// The crashing CPU's saved registers: x29/x30 in NT_PRSTATUS may carry a PAC; stripped, the
// link register is a kernel-image address the walk can follow.
TEST_F(RealArm64, SavedLinkRegisterIsFollowableOnceStripped) {
    ASSERT_FALSE(core_->cpu_notes().empty());
    bool followed = false;
    for (const vmcore::CpuNote& cpu : core_->cpu_notes()) {
        // struct elf_prstatus: pr_reg (user_pt_regs: x0..x30, sp, pc, pstate) starts at 112.
        if (cpu.prstatus.size() < 112 + 34 * 8) continue;
        uint64_t pc = 0;
        std::memcpy(&pc, cpu.prstatus.data() + 112 + 32 * 8, 8);
        if (pc == 0) continue;
        auto t = mem_->translate(mem_->canonical_pointer(pc));
        EXPECT_TRUE(t.is_ok()) << std::hex << pc << ": " << t.status().message();
        followed = true;
    }
    EXPECT_TRUE(followed);
}

// The same memory with no PT_LOADs to read (what a kdump-compressed copy offers): the linear
// shortcut is still proven, at mem_section, and every answer equals the ELF one.
class WithoutSegments final : public vmcore::PhysicalMemory {
public:
    explicit WithoutSegments(const vmcore::PhysicalMemory& m) : m_(&m) {}
    const std::string& path() const noexcept override { return m_->path(); }
    uint16_t machine() const noexcept override { return m_->machine(); }
    bool has_vmcoreinfo() const noexcept override { return m_->has_vmcoreinfo(); }
    const vmcore::VmcoreInfo& vmcoreinfo() const noexcept override { return m_->vmcoreinfo(); }
    Status read_phys(uint64_t paddr, std::span<std::byte> out) const override { return m_->read_phys(paddr, out); }
    uint64_t held_from(uint64_t paddr) const noexcept override { return m_->held_from(paddr); }

private:
    const vmcore::PhysicalMemory* m_;
};

TEST_F(RealArm64, WithoutPtLoadsTheLinearMapIsProvenAtMemSection) {
    WithoutSegments bare(*core_);
    auto t = Arm64Translator::create(bare);
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    EXPECT_TRUE(t.value()->linear_map_proven());
    EXPECT_FALSE(t.value()->kernel_image_proven());
    for (uint64_t v : {uint64_t{0xffff000000123450}, uint64_t{0xffff00002b977008}, *info().symbol("init_uts_ns"),
                       *info().symbol("mem_section")}) {
        auto a = t.value()->translate(v);
        auto b = mem_->translate(v);
        ASSERT_TRUE(a.is_ok()) << a.status().message();
        ASSERT_TRUE(b.is_ok()) << b.status().message();
        EXPECT_EQ(a->paddr, b->paddr) << std::hex << v;
    }
}

}  // namespace
}  // namespace kdf::arch
