// What a dump learns about the crash kernel it runs in: the {host} of its name (a crash kernel's
// initramfs often has no hostname) and the peak memory it reports for crashkernel= sizing.
#include <gtest/gtest.h>

#include "core/chain/dump_host.h"
#include "core/chain/peak_memory.h"

namespace kdf::chain {
namespace {

TEST(DumpHost, TheHostnameWhenOneIsSet) {
    EXPECT_EQ(pick_dump_host("node7", "192.0.2.7"), "node7");
}

TEST(DumpHost, NoHostnameInTheCrashKernelFallsBackToItsAddress) {
    // uname(2) says "(none)" before anyone sets a hostname: kdumpctl names such dumps by IP too.
    EXPECT_EQ(pick_dump_host("(none)", "10.0.2.15"), "10.0.2.15");
    EXPECT_EQ(pick_dump_host("", "2001:db8::7"), "2001:db8::7");
    EXPECT_EQ(pick_dump_host("localhost", "10.0.2.15"), "10.0.2.15");
}

TEST(DumpHost, NeitherHostnameNorAddressGivesLocalhost) {
    EXPECT_EQ(pick_dump_host("(none)", ""), "localhost");
}

TEST(DumpHost, ThisMachineHasAName) {
    const std::string host = dump_host_name();
    EXPECT_FALSE(host.empty());
    EXPECT_NE(host, "(none)");
}

TEST(PeakMemory, ReadsVmHwmFromAStatusText) {
    const char* status = "Name:\tkdump-failover\nVmPeak:\t   20000 kB\nVmHWM:\t    7321 kB\nVmRSS:\t    7000 kB\n";
    EXPECT_EQ(parse_vm_hwm_kib(status), 7321u);
}

TEST(PeakMemory, AKeyThatOnlyEndsInVmHwmIsNotIt) {
    EXPECT_EQ(parse_vm_hwm_kib("XVmHWM:\t 5 kB\nVmRSS:\t 1 kB\n"), std::nullopt);
    EXPECT_EQ(parse_vm_hwm_kib("XVmHWM:\t 5 kB\nVmHWM:\t 9 kB\n"), 9u);
    EXPECT_EQ(parse_vm_hwm_kib("VmHWM:\t kB\n"), std::nullopt);
    EXPECT_EQ(parse_vm_hwm_kib(""), std::nullopt);
}

TEST(PeakMemory, ThisProcessHasOne) {
    const auto kib = self_peak_rss_kib();
    ASSERT_TRUE(kib.has_value());
    EXPECT_GT(*kib, 100u);  // a gtest binary's resident set is well over 100 KiB
}

}  // namespace
}  // namespace kdf::chain
