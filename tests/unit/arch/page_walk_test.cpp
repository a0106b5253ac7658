// Page walks over page tables written by hand into a tiny vmcore, so every branch of the x86_64
// walk (4 and 5 levels, 1 GiB and 2 MiB leaves, the SME bit, holes, bad entries) is checked
// against numbers worked out independently here.
#include <gtest/gtest.h>

#include <string>

#include "core/arch/kernel_memory.h"
#include "core/arch/x86_64/x86_64_translator.h"
#include "core/vmcore/elf_reader.h"
#include "core/vmcore/le_bytes.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/vmcore/vmcore_builder.h"

namespace kdf::arch {
namespace {

using vmcore::test::Bytes;
using vmcore::test::LoadSpec;

constexpr uint64_t kPresent = 1, kLeaf = 0x80, kSme = 1ULL << 47;
// RAM: 0x100000-0x104000 (four table pages) and 0x200000-0x202000.
constexpr uint64_t kTop = 0x100000, kMid = 0x101000, kPmd = 0x102000, kPt = 0x103000;

struct Walkable {
    kdf::test::TempDir dir{"kdf-arch"};
    std::string path;
};

// Sets the 8-byte entry `index` of the table page at physical `table`.
void set_entry(vmcore::test::Built& b, uint64_t table, uint64_t index, uint64_t value) {
    const uint64_t file_at = b.load_offsets[0] + (table - kTop) + index * 8;
    vmcore::test::store_le(b.bytes, file_at, value, 8);
}

// `levels` 4: kTop = PGD, kMid = PUD, kPmd = PMD, kPt = PTEs. 5: kTop = PML5, kMid = P4D,
// kPmd = PUD, kPt = PMD, and the PTE page is RAM 2's first page (0x200000).
std::string build(Walkable& w, int levels, const std::string& extra_info = "") {
    const std::string info = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff80100000\n"
                             "NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=" +
                             std::to_string(levels == 5 ? 1 : 0) + "\nNUMBER(sme_mask)=" + std::to_string(kSme) +
                             "\n" + extra_info;
    vmcore::test::VmcoreSpec spec;
    spec.note_segments.push_back(vmcore::test::make_note("VMCOREINFO", 0, vmcore::test::text_bytes(info)));
    spec.loads.push_back(LoadSpec{vmcore::test::kDirectMap + kTop, kTop, 0x4000, 0, {}});
    spec.loads.push_back(LoadSpec{vmcore::test::kDirectMap + 0x200000, 0x200000, 0x2000, 0, {}});
    vmcore::test::Built b = vmcore::test::build_vmcore(spec);
    if (levels == 4) {
        set_entry(b, kTop, 273, kMid | kPresent);          // 0xffff888000000000
        set_entry(b, kMid, 0, kPmd | kPresent);
        set_entry(b, kMid, 1, 0 | kLeaf | kPresent);       // 1 GiB leaf at physical 0
        set_entry(b, kMid, 2, 0x900000 | kPresent);        // a PMD table outside the dump
        set_entry(b, kPmd, 0, kPt | kPresent);
        set_entry(b, kPmd, 1, 0x200000 | kLeaf | kPresent);  // 2 MiB leaf at 0x200000
        set_entry(b, kPt, 0, 0x201000 | kPresent);
        set_entry(b, kPt, 1, 0x102000 | kPresent);
        set_entry(b, kPt, 2, 0x102000 | kSme | kPresent);  // encrypted page: the SME bit is not address
    } else {
        set_entry(b, kTop, 273, kMid | kPresent);          // 0xff11000000000000
        set_entry(b, kMid, 0, kPmd | kPresent);
        set_entry(b, kPmd, 0, kPt | kPresent);
        set_entry(b, kPt, 0, 0x200000 | kPresent);         // PMD[0] -> the PTE page in RAM 2
        vmcore::test::store_le(b.bytes, b.load_offsets[1], 0x103000 | kPresent, 8);  // PTE[0]
    }
    w.path = w.dir / "vmcore";
    EXPECT_TRUE(vmcore::test::write_file(w.path, b.bytes));
    return w.path;
}

vmcore::ElfVmcore open_core(const std::string& path) {
    auto core = vmcore::ElfVmcore::open(path);
    EXPECT_TRUE(core.is_ok()) << core.status().message();
    return std::move(core).value();
}

constexpr uint64_t kV = 0xffff888000000000ULL;

TEST(PageWalk, FourLevelsWithLargePagesAndTheSmeBit) {
    Walkable w;
    auto core = open_core(build(w, 4));
    auto t = X86_64Translator::create(core);
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    const auto& tr = *t.value();
    EXPECT_EQ(tr.levels(), 4);
    EXPECT_EQ(tr.to_physical(kV + 0x123).value(), 0x201123u);
    EXPECT_EQ(tr.to_physical(kV + 0x1008).value(), 0x102008u);
    EXPECT_EQ(tr.to_physical(kV + 0x2010).value(), 0x102010u);             // SME bit stripped
    EXPECT_EQ(tr.to_physical(kV + (2ULL << 20) + 0x1234).value(), 0x201234u);  // 2 MiB leaf
    EXPECT_EQ(tr.to_physical(kV + (1ULL << 30) + 0x100008).value(), 0x100008u);  // 1 GiB leaf
    EXPECT_EQ(tr.to_physical(0xffffffff80100010ULL).value(), 0x100010u);  // kernel image: phys_base 0
    // The PT_LOADs claim a direct map the tables contradict: no shortcut is taken.
    EXPECT_FALSE(tr.page_offset().has_value());
}

TEST(PageWalk, EachTranslationSaysHowFarItsMappingGoes) {
    // Readers step by `contiguous`, so it must end exactly at the leaf's edge: one byte further
    // can be somewhere else entirely (kV+0x1000 is 0x102000, kV+0x0fff is 0x201fff).
    Walkable w;
    auto core = open_core(build(w, 4));
    auto t = X86_64Translator::create(core);
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    const auto& tr = *t.value();
    auto at = [&](uint64_t vaddr) {
        auto r = tr.translate(vaddr);
        EXPECT_TRUE(r.is_ok()) << r.status().message();
        return r.is_ok() ? r.value() : Translation{};
    };
    EXPECT_EQ(at(kV + 0x123).paddr, 0x201123u);
    EXPECT_EQ(at(kV + 0x123).contiguous, 0x1000u - 0x123);  // 4 KiB leaf
    EXPECT_EQ(at(kV + 0xfff).contiguous, 1u);
    EXPECT_EQ(at(kV + (2ULL << 20) + 0x1234).contiguous, (2ULL << 20) - 0x1234);  // 2 MiB leaf
    EXPECT_EQ(at(kV + (1ULL << 30) + 0x100008).contiguous, (1ULL << 30) - 0x100008);  // 1 GiB leaf
    // The kernel image is linear to its end (KERNEL_IMAGE_SIZE: 1 GiB under KASLR, the default).
    const auto image = at(0xffffffff80100010ULL);
    EXPECT_EQ(image.paddr, 0x100010u);
    EXPECT_EQ(0xffffffff80100010ULL + image.contiguous, 0xffffffff80000000ULL + (1ULL << 30));
}

TEST(PageWalk, ReadsThroughKernelMemoryAcrossPages) {
    Walkable w;
    auto core = open_core(build(w, 4));
    auto mem = KernelMemory::open(core);
    ASSERT_TRUE(mem.is_ok()) << mem.status().message();
    // The page at kV+0x1000 is physical 0x102000, whose words hold their own address except the
    // entries written above; kV+0x1ff8 and kV+0x2000 are in different pages of the same frame.
    EXPECT_EQ(mem.value().read_u64(kV + 0x1010).value(), vmcore::test::word_at(0x102010));
    std::byte two[16];
    ASSERT_TRUE(mem.value().read(kV + 0x1ff8, two).is_ok());
    EXPECT_EQ(vmcore::load_le64(two), vmcore::test::word_at(0x102ff8));
    EXPECT_EQ(vmcore::load_le64(two + 8), kPt | kPresent);  // kV+0x2000 is 0x102000 again: PMD[0]
}

TEST(PageWalk, UnmappedOutsideAndNonCanonicalAreDifferentErrors) {
    Walkable w;
    auto core = open_core(build(w, 4));
    auto t = X86_64Translator::create(core);
    ASSERT_TRUE(t.is_ok());
    auto unmapped = t.value()->to_physical(kV + (3ULL << 30));
    ASSERT_FALSE(unmapped.is_ok());
    EXPECT_EQ(unmapped.status().code(), Code::not_found);
    EXPECT_NE(unmapped.status().message().find("is not mapped (PUD entry"), std::string::npos) << unmapped.status().message();
    auto user = t.value()->to_physical(0x400000);
    EXPECT_EQ(user.status().code(), Code::not_found);
    auto outside = t.value()->to_physical(kV + (2ULL << 30));
    ASSERT_FALSE(outside.is_ok());
    EXPECT_EQ(outside.status().code(), Code::corrupt);
    EXPECT_NE(outside.status().message().find("PMD table for 0xffff888080000000 is at physical 0x900000, outside the dump"),
              std::string::npos) << outside.status().message();
    auto odd = t.value()->to_physical(0x0000900000000000ULL);
    EXPECT_EQ(odd.status().code(), Code::corrupt);
    EXPECT_NE(odd.status().message().find("not canonical for 4-level paging"), std::string::npos);
}

TEST(PageWalk, FiveLevels) {
    Walkable w;
    auto core = open_core(build(w, 5));
    auto t = X86_64Translator::create(core);
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    EXPECT_EQ(t.value()->levels(), 5);
    EXPECT_EQ(t.value()->to_physical(0xff11000000000000ULL + 0x38).value(), 0x103038u);
    // Canonical under 4 levels but not under 5: bit 47 set, bits 48..55 clear.
    EXPECT_EQ(t.value()->to_physical(0x0000900000000000ULL).status().code(), Code::not_found);
    EXPECT_EQ(t.value()->to_physical(0x0100000000000000ULL).status().code(), Code::corrupt);
    EXPECT_NE(t.value()->describe().find("5-level paging"), std::string::npos);
}

TEST(PageWalk, VmcoreinfoProblemsNameTheKey) {
    struct Case {
        std::string info;
        std::string expect;
    };
    const Case cases[] = {
        {"OSRELEASE=6.1\nSYMBOL(init_top_pgt)=ffffffff80100000\n", "VMCOREINFO has no NUMBER(phys_base)"},
        {"NUMBER(phys_base)=0\n", "has neither SYMBOL(init_top_pgt) nor SYMBOL(swapper_pg_dir)"},
        {"NUMBER(phys_base)=0\nSYMBOL(init_top_pgt)=ffff888000100000\n", "is not a page inside the kernel image"},
        {"NUMBER(phys_base)=0\nSYMBOL(init_top_pgt)=ffffffff80900000\n", "(physical 0x900000, from phys_base) is not in the dump"},
        {"NUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=7\nSYMBOL(init_top_pgt)=ffffffff80100000\n",
         "NUMBER(pgtable_l5_enabled)=7 is neither 0 nor 1"},
    };
    for (const Case& c : cases) {
        kdf::test::TempDir dir("kdf-arch");
        vmcore::test::VmcoreSpec spec;
        spec.note_segments.push_back(vmcore::test::make_note("VMCOREINFO", 0, vmcore::test::text_bytes(c.info)));
        spec.loads.push_back(LoadSpec{vmcore::test::kDirectMap + kTop, kTop, 0x4000, 0, {}});
        ASSERT_TRUE(vmcore::test::write_file(dir / "vmcore", vmcore::test::build_vmcore(spec).bytes));
        auto core = open_core(dir / "vmcore");
        auto mem = KernelMemory::open(core);
        ASSERT_FALSE(mem.is_ok()) << c.info;
        EXPECT_EQ(mem.status().code(), Code::corrupt);
        EXPECT_NE(mem.status().message().find(c.expect), std::string::npos) << mem.status().message();
    }
}

TEST(PageWalk, OtherArchitecturesAreNotSupportedYet) {
    kdf::test::TempDir dir("kdf-arch");
    vmcore::test::VmcoreSpec spec;
    spec.machine = 21;  // EM_PPC64
    spec.note_segments.push_back(vmcore::test::make_note("VMCOREINFO", 0, vmcore::test::text_bytes("PAGESIZE=4096\n")));
    spec.loads.push_back(LoadSpec{0, kTop, 0x1000, 0, {}});
    ASSERT_TRUE(vmcore::test::write_file(dir / "vmcore", vmcore::test::build_vmcore(spec).bytes));
    auto core = open_core(dir / "vmcore");
    auto mem = KernelMemory::open(core);
    ASSERT_FALSE(mem.is_ok());
    EXPECT_EQ(mem.status().code(), Code::not_supported);
    EXPECT_NE(mem.status().message().find("ELF machine 21 is not implemented"), std::string::npos);
}

// An arm64 vmcore is dispatched to the arm64 translator, which names what VMCOREINFO lacks.
TEST(PageWalk, Arm64IsChosenFromTheElfMachine) {
    kdf::test::TempDir dir("kdf-arch");
    vmcore::test::VmcoreSpec spec;
    spec.machine = 183;  // EM_AARCH64
    spec.note_segments.push_back(vmcore::test::make_note("VMCOREINFO", 0, vmcore::test::text_bytes("PAGESIZE=4096\n")));
    spec.loads.push_back(LoadSpec{0, kTop, 0x1000, 0, {}});
    ASSERT_TRUE(vmcore::test::write_file(dir / "vmcore", vmcore::test::build_vmcore(spec).bytes));
    auto core = open_core(dir / "vmcore");
    auto mem = KernelMemory::open(core);
    ASSERT_FALSE(mem.is_ok());
    EXPECT_EQ(mem.status().code(), Code::not_supported);  // a kernel before 4.12 lacks the key
    EXPECT_NE(mem.status().message().find("VMCOREINFO has no NUMBER(VA_BITS)"), std::string::npos) << mem.status().message();
}

}  // namespace
}  // namespace kdf::arch
