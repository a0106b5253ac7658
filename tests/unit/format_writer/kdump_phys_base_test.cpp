// kdump_phys_base: the sub-header's phys_base per architecture, from VMCOREINFO when the kernel
// exports it and from the PT_LOADs when it does not (the real arm64 kernel: readers_arm64_formats).
#include <gtest/gtest.h>

#include <string>

#include "core/format/kdump_phys_base.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/vmcore/vmcore_builder.h"

namespace kdf::format {
namespace {

using vmcore::test::build_vmcore;
using vmcore::test::concat;
using vmcore::test::LoadSpec;
using vmcore::test::make_note;
using vmcore::test::make_prstatus;
using vmcore::test::text_bytes;
using vmcore::test::VmcoreSpec;

constexpr uint16_t kEmX86_64 = 62;
constexpr uint16_t kEmAarch64 = 183;

// A vmcore of `machine` with this VMCOREINFO text and these PT_LOADs, opened; phys_base of it.
uint64_t phys_base_of(uint16_t machine, const std::string& vmcoreinfo, std::vector<LoadSpec> loads) {
    kdf::test::TempDir dir("kdf-phys-base");
    VmcoreSpec spec;
    spec.machine = machine;
    spec.note_segments.push_back(
        concat({make_note("CORE", 1, make_prstatus(1)), make_note("VMCOREINFO", 0, text_bytes(vmcoreinfo))}));
    spec.loads = std::move(loads);
    const std::string path = dir / "vmcore";
    EXPECT_TRUE(vmcore::test::write_file(path, build_vmcore(spec).bytes));
    auto core = vmcore::ElfVmcore::open(path);
    EXPECT_TRUE(core.is_ok()) << core.status().message();
    return core.is_ok() ? kdump_phys_base(core.value()) : ~0ULL;
}

const std::string kX86Info = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n";
const std::string kArm64Info = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nNUMBER(VA_BITS)=48\n";

TEST(KdumpPhysBase, X86_64TakesNumberPhysBaseEvenNegative) {
    EXPECT_EQ(phys_base_of(kEmX86_64, kX86Info + "NUMBER(phys_base)=-31457280\n",
                           {{0xffffffff81000000ULL, 0x101000, 0x1000, 0, {}}, {0xffff888000100000ULL, 0x100000, 0x3000, 0, {}}}),
              static_cast<uint64_t>(-31457280LL));
}

TEST(KdumpPhysBase, X86_64WithoutTheNumberUsesTheKernelImageLoad) {
    // The image PT_LOAD maps __START_KERNEL_map + 0x1000000 at 0x3000000: loaded 0x2000000 higher.
    EXPECT_EQ(phys_base_of(kEmX86_64, kX86Info,
                           {{0xffff888000000000ULL, 0x0, 0x1000, 0, {}}, {0xffffffff81000000ULL, 0x3000000, 0x1000, 0, {}}}),
              0x2000000u);
}

TEST(KdumpPhysBase, Arm64TakesPhysOffsetInTheHexTheKernelPrints) {
    EXPECT_EQ(phys_base_of(kEmAarch64, kArm64Info + "NUMBER(PHYS_OFFSET)=0x80000000\nSYMBOL(_stext)=ffff800008010000\n",
                           {{0xffff000000000000ULL, 0x40000000, 0x2000, 0, {}}}),
              0x80000000u);
}

// Without NUMBER(PHYS_OFFSET) the linear map's first PT_LOAD gives it; the kernel-image PT_LOAD
// (listed first, as real vmcores list it) lies above the linear map and must not be taken.
TEST(KdumpPhysBase, Arm64WithoutPhysOffsetUsesTheLinearMapNotTheImage) {
    // 5.4+ layout: the linear map is [-2^48, -2^47), the image above it.
    EXPECT_EQ(phys_base_of(kEmAarch64, kArm64Info + "SYMBOL(_stext)=ffffa00008010000\n",
                           {{0xffffa00008000000ULL, 0x40200000, 0x1000, 0, {}},
                            {0xffff000000000000ULL + 0x10000000, 0x50000000, 0x2000, 0, {}}}),
              0x40000000u);
    // Before 5.4: the linear map is the upper half [-2^47, 0), the image below it.
    EXPECT_EQ(phys_base_of(kEmAarch64, kArm64Info + "SYMBOL(_stext)=ffff000008081000\n",
                           {{0xffff000008000000ULL, 0x80200000, 0x1000, 0, {}},
                            {0xffff800000000000ULL, 0x80000000, 0x2000, 0, {}}}),
              0x80000000u);
}

TEST(KdumpPhysBase, OtherArchitecturesWriteZero) {
    EXPECT_EQ(phys_base_of(21, kX86Info + "NUMBER(phys_base)=4096\n", {{0xc000000000000000ULL, 0x0, 0x1000, 0, {}}}), 0u);
}

}  // namespace
}  // namespace kdf::format
