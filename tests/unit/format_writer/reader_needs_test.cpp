// elf_reader_warnings: an ELF dump without the kernel-image PT_LOAD is flagged on x86_64 and on
// arm64 (where drgn then stops at "recursive address translation", reading swapper_pg_dir).
#include <gtest/gtest.h>

#include <string>

#include "core/format/reader_needs.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/vmcore/vmcore_builder.h"

namespace kdf::format {
namespace {

using vmcore::test::LoadSpec;

std::vector<std::string> warnings_of(uint16_t machine, const std::string& vmcoreinfo, std::vector<LoadSpec> loads) {
    kdf::test::TempDir dir("kdf-reader-needs");
    vmcore::test::VmcoreSpec spec;
    spec.machine = machine;
    spec.note_segments.push_back(vmcore::test::make_note("VMCOREINFO", 0, vmcore::test::text_bytes(vmcoreinfo)));
    spec.loads = std::move(loads);
    const std::string path = dir / "vmcore";
    EXPECT_TRUE(vmcore::test::write_file(path, vmcore::test::build_vmcore(spec).bytes));
    auto core = vmcore::ElfVmcore::open(path);
    EXPECT_TRUE(core.is_ok()) << core.status().message();
    return core.is_ok() ? elf_reader_warnings(core.value()) : std::vector<std::string>{"not opened"};
}

const std::string kArm64Info = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(_stext)=ffffcb0603a10000\n";
const LoadSpec kArm64Linear{0xffff000000000000ULL, 0x40000000, 0x20000, 0, {}};
const LoadSpec kArm64Image{0xffffcb0603a00000ULL, 0x40000000, 0x20000, 0, {}};

TEST(ReaderNeeds, Arm64ElfWithTheKernelImageIsFine) {
    EXPECT_TRUE(warnings_of(183, kArm64Info, {kArm64Image, kArm64Linear}).empty());
}

TEST(ReaderNeeds, Arm64ElfWithoutTheKernelImageIsFlagged) {
    const auto w = warnings_of(183, kArm64Info, {kArm64Linear});
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("no PT_LOAD maps the kernel image"), std::string::npos) << w[0];
}

TEST(ReaderNeeds, X86_64ElfWithoutTheKernelTextMappingIsFlagged) {
    EXPECT_EQ(warnings_of(62, "OSRELEASE=6.1.0-test\n", {{0xffff888000000000ULL, 0x0, 0x1000, 0, {}}}).size(), 1u);
    EXPECT_TRUE(warnings_of(62, "OSRELEASE=6.1.0-test\n",
                            {{0xffffffff81000000ULL, 0x0, 0x1000, 0, {}}, {0xffff888000000000ULL, 0x0, 0x2000, 0, {}}})
                    .empty());
}

}  // namespace
}  // namespace kdf::format
