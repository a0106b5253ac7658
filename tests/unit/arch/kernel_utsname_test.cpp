// read_kernel_utsname: the crashed kernel's own init_uts_ns where VMCOREINFO locates it, and only
// what VMCOREINFO and the ELF header say where it does not (the real kernels: arch_fixture_tests).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/arch/kernel_utsname.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/vmcore/vmcore_builder.h"

namespace kdf::arch {
namespace {

TEST(KernelUtsname, GeneratedKernelIsReadFromMemory) {
    kdf::test::TempDir dir("kdf-arch-uts");
    const std::string path = dir / "vmcore";
    const std::string cmd = std::string(KDF_MKVMCORE) + " --kernel --size 64M --seed 3 " + path + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    auto core = vmcore::ElfVmcore::open(path);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const KernelUtsname u = read_kernel_utsname(core.value());
    EXPECT_TRUE(u.from_memory) << u.fallback_reason;
    EXPECT_EQ(u.sysname, "Linux");
    EXPECT_EQ(u.release, std::string(*core.value().vmcoreinfo().osrelease()));
}

// No SYMBOL(init_uts_ns): sysname, OSRELEASE and the machine, the rest empty, and the reason.
TEST(KernelUtsname, WithoutTheSymbolFallsBackToVmcoreinfo) {
    kdf::test::TempDir dir("kdf-arch-uts");
    const std::string path = dir / "vmcore";
    ASSERT_TRUE(vmcore::test::write_file(path, vmcore::test::build_vmcore(vmcore::test::default_spec()).bytes));
    auto core = vmcore::ElfVmcore::open(path);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const KernelUtsname u = read_kernel_utsname(core.value());
    EXPECT_FALSE(u.from_memory);
    EXPECT_EQ(u.fallback_reason, "VMCOREINFO has no SYMBOL(init_uts_ns)");
    EXPECT_EQ(u.sysname, "Linux");
    EXPECT_EQ(u.release, "6.1.0-test");
    EXPECT_EQ(u.machine, "x86_64");
    EXPECT_TRUE(u.nodename.empty() && u.version.empty() && u.domainname.empty());
}

}  // namespace
}  // namespace kdf::arch
