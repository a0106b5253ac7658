// The small parts of setup/status/estimate: diffs, sizes, the record, kdump.conf's auto reset, and
// os-release detection.
#include <gtest/gtest.h>

#include "core/lifecycle/crashkernel_estimate.h"
#include "core/lifecycle/distribution.h"
#include "core/lifecycle/kdump_auto_reset.h"
#include "core/lifecycle/page_census.h"
#include "core/lifecycle/setup_record.h"
#include "core/lifecycle/unified_diff.h"
#include "tests/support/temp_dir.h"

namespace kdf::lifecycle {
namespace {

TEST(UnifiedDiff, OneHunkWithContextAsDiffWritesIt) {
    const std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n", b = "1\n2\n3\n4\nfive\n6\n7\n8\n";
    EXPECT_EQ(unified_diff("f", a, b), "--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    EXPECT_EQ(unified_diff("f", a, a), "");
    EXPECT_EQ(unified_diff("f", std::nullopt, "x\n"), "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+x\n");
    EXPECT_EQ(unified_diff("f", "x", std::nullopt), "--- f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n\\ No newline at end of file\n");
}

TEST(CrashkernelSize, RangesAsTheKernelReadsThem) {
    const uint64_t G = 1024ull * kMiB;
    EXPECT_EQ(crashkernel_bytes("256M", 8 * G), 256 * kMiB);
    EXPECT_EQ(crashkernel_bytes("1G-4G:192M,4G-64G:256M,64G-:512M", 2 * G), 192 * kMiB);
    EXPECT_EQ(crashkernel_bytes("1G-4G:192M,4G-64G:256M,64G-:512M", 4 * G), 256 * kMiB);
    EXPECT_EQ(crashkernel_bytes("1G-4G:192M,4G-64G:256M,64G-:512M", 128 * G), 512 * kMiB);
    EXPECT_EQ(crashkernel_bytes("384M-:128M", 256 * kMiB), 0u);
    EXPECT_EQ(crashkernel_bytes("128M@16M", G), 128 * kMiB);
    EXPECT_EQ(crashkernel_bytes("lots", G), 0u);
}

TEST(CrashkernelEstimate, SumsTheMeasuredPartsAndNeverUndercutsTheDistribution) {
    const uint64_t G = 1024ull * kMiB;
    auto e = estimate_crashkernel(DistroFamily::debian, 2 * G, 22 * kMiB);
    EXPECT_EQ(e.sum, kKernelOverhead + 22 * kMiB + kUserspace + kOurPeak + 2 * G / 4096 / 4);
    EXPECT_EQ(e.need % (32 * kMiB), 0u);
    EXPECT_GE(e.need, e.sum);
    EXPECT_EQ(e.value(), "160M");
    // A large RHEL machine: kdump-utils' own 512M wins over the sum.
    EXPECT_EQ(estimate_crashkernel(DistroFamily::rhel, 128 * G, 40 * kMiB).value(), "512M");
    // A huge initramfs: its RAM filesystem may only take half the memory.
    EXPECT_EQ(estimate_crashkernel(DistroFamily::debian, 2 * G, 200 * kMiB).value(), "416M");
}

TEST(PageCensus, MeminfoWhenKpageflagsIsNotReadable) {
    kdf::test::TempDir dir("kdf-census");
    const std::string meminfo = dir.write("meminfo", "MemTotal:        1048576 kB\nMemFree:          262144 kB\n"
                                                     "Buffers:           16384 kB\nCached:           245760 kB\n"
                                                     "AnonPages:        131072 kB\n");
    const auto c = take_page_census(meminfo, dir / "no-kpageflags");
    EXPECT_EQ(c.source, meminfo);
    EXPECT_EQ(kept_bytes(c, 0), 1024 * kMiB);
    EXPECT_EQ(kept_bytes(c, 16), 768 * kMiB);
    EXPECT_EQ(kept_bytes(c, 31), 1024 * kMiB - 256 * kMiB - 256 * kMiB - 128 * kMiB);
}

TEST(SetupRecord, RoundTripsAndRefusesUnknownKeys) {
    SetupRecord r;
    r.crashkernel = "320M";
    r.bootloader = "grubby";
    r.created = {"/var/lib/kdump-failover/"};
    r.edited = {"/etc/default/grub"};
    r.enabled = {"kdump.service"};
    r.wired = {"/etc/kdump.conf"};
    r.auto_reset_set = true;
    std::string err;
    auto back = parse_setup_record(render_setup_record(r), "state", &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(render_setup_record(*back), render_setup_record(r));
    EXPECT_FALSE(parse_setup_record("crashkernel 1G\nfrobnicate x\n", "state", &err));
    EXPECT_EQ(err, "state:2: unknown key 'frobnicate'");
}

TEST(KdumpAutoReset, SetInPlaceOrAppendedAndPutBack) {
    const std::string with = "path /var/crash\nauto_reset_crashkernel yes\ncore_collector makedumpfile -l -d 31\n";
    auto e = set_kdump_auto_reset(with, "kdump.conf", "no");
    EXPECT_EQ(e.text, "path /var/crash\nauto_reset_crashkernel no\ncore_collector makedumpfile -l -d 31\n");
    EXPECT_EQ(restore_kdump_auto_reset(e.text, "kdump.conf", "yes").text, with);
    const std::string without = "path /var/crash\n#auto_reset_crashkernel yes\n";
    auto a = set_kdump_auto_reset(without, "kdump.conf", "no");
    EXPECT_EQ(kdump_auto_reset(a.text), "no");
    EXPECT_EQ(restore_kdump_auto_reset(a.text, "kdump.conf", std::nullopt).text, without);
}

TEST(Distribution, FamiliesFromOsRelease) {
    kdf::test::TempDir dir("kdf-distro");
    const SandboxRoot root(dir.path());
    auto detect = [&](const std::string& os) {
        dir.write("etc/os-release", os);
        return detect_distribution(root);
    };
    auto ubuntu = detect("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n");
    EXPECT_EQ(ubuntu.family, DistroFamily::debian);
    EXPECT_EQ(ubuntu.install_command, "apt-get install kdump-tools");
    auto rocky = detect("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n");
    EXPECT_EQ(rocky.family, DistroFamily::rhel);
    EXPECT_EQ(rocky.kdump_package, "kexec-tools");
    EXPECT_EQ(detect("ID=fedora\nVERSION_ID=41\n").kdump_package, "kdump-utils");
    EXPECT_EQ(detect("ID=\"rhel\"\nVERSION_ID=\"10.0\"\n").install_command, "dnf install kdump-utils");
    EXPECT_EQ(detect("ID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\n").install_command, "yum install kexec-tools");
    EXPECT_EQ(detect("ID=arch\n").family, DistroFamily::unknown);
    dir.write("run/ostree-booted", "");
    EXPECT_TRUE(detect("ID=rhcos\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"4.16\"\n").ostree);
}

}  // namespace
}  // namespace kdf::lifecycle
