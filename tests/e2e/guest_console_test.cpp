// The console parser the end-to-end tests report their figures from: it must find the chain's own
// lines among kernel messages and progress redraws, and say "unknown" rather than guess.
#include <gtest/gtest.h>

#include "tests/e2e/qemu_guest.h"

namespace {

using kdf_test::e2e::parse_console;

TEST(GuestConsole, ReadsTheChainFiguresAmongKernelLines) {
    const auto r = parse_console(
        "[    3.349724] Run /init as init process\n"
        "KDF-E2E: crash kernel 6.1.0-57-amd64 up at 3.15 s, MemTotal: 143664 kB\n"
        "\x1b[Kkdump-failover: disk [#####] 88% 283.9/319.5 MiB at 88.9 MB/s\x1b[Kkdump-failover: target 'disk': "
        "dump complete, 319.5 MiB of memory read in 3.9 s (peak memory 8.1 MiB)\n"
        "kdump-failover: chain over in 4.1 s; peak memory: chain process 4.9 MiB (VmHWM), largest attempt 8.3 MiB\n"
        "kdump-failover: the chain saved the dump (exit 12); kdump's own dump is skipped\n");
    EXPECT_EQ(r.crash_kernel_up_s, std::optional<double>(3.15));
    EXPECT_EQ(r.memory_read_mib, std::optional<double>(319.5));
    EXPECT_EQ(r.chain_s, std::optional<double>(4.1));
    EXPECT_EQ(r.chain_peak_mib, std::optional<double>(4.9));
    EXPECT_EQ(r.attempt_peak_mib, std::optional<double>(8.3));
    EXPECT_TRUE(r.chain_saved);
    EXPECT_FALSE(r.raw_size.has_value());
}

TEST(GuestConsole, AChainThatSavedNothingIsNotReportedAsSaved) {
    const auto r = parse_console(
        "kdump-failover: every target failed (3 tried); no dump was saved\n"
        "kdump-failover: no target of the chain holds the dump (exit 1); kdump's own dump runs next as the last resort\n"
        "KDF-E2E: RAW size=389734400\n");
    EXPECT_FALSE(r.chain_saved);
    EXPECT_FALSE(r.chain_s.has_value());
    EXPECT_EQ(r.raw_size, std::optional<unsigned long long>(389734400ULL));
    EXPECT_NE(r.summary().find("-1.0 MiB of memory read"), std::string::npos) << r.summary();
}

}  // namespace
