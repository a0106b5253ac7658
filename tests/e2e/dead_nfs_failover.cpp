// tests/e2e/dead_nfs_failover.cpp - the shared part of the dead-NFS failover scenarios.
#include "tests/e2e/dead_nfs_failover.h"

#include <gtest/gtest.h>

#include "tests/support/server_process.h"
#include "tests/support/shell.h"

namespace kdf_test::e2e {

void require_guest_kernel(std::optional<GuestKernel>* kernel, std::string* skip_reason) {
    ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null"), 0)
        << "qemu-system-x86_64 is missing: tools/install-deps.sh installs it";
    if (std::string why = qemu_unusable_reason(); !why.empty()) {
        *skip_reason = why;
        return;
    }
    std::string why;
    *kernel = guest_kernel(&why);
    ASSERT_TRUE(kernel->has_value()) << why;
}

std::string dead_nfs_chain_head(const std::string& next) {
    const std::string refused_nfs = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_mount = std::to_string(kdf::test::free_tcp_port());
    return "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas " + next + "\n\n"
           "[target nas]\ntype = nfs\nurl = nfs://" + std::string(kHostFromGuest) + "/export?nfsport=" + refused_nfs +
           "&mountport=" + refused_mount + "\nconnect_timeout = 15s\n\n";
}

GuestOptions network_guest(const std::string& config) {
    GuestOptions options;
    options.config = config;
    options.network = true;
    // The crash initramfs (the network, the plugins and their libraries: libiscsi, libcurl and
    // OpenSSL) did not unpack into the default 192M reservation ("Initramfs unpacking failed:
    // write error").
    options.mem_mib = 768;
    options.crashkernel = "256M";
    return options;
}

void boot_and_fail_over(const GuestKernel& kernel, const std::string& work, const GuestOptions& options,
                        const std::string& next, const std::string& saved_by, GuestRun* run) {
    std::string why;
    const bool built = run_crash_guest(kernel, work, options, run, &why);
    ASSERT_TRUE(built) << why;
    ASSERT_EQ(run->exit_code, 0) << why << "\n--- console (end) ---\n" << run->console_tail();
    ASSERT_TRUE(run->chain_saved) << run->console_tail();
    EXPECT_NE(run->console.find("target 'nas' failed; trying the next target, '" + next + "'"), std::string::npos)
        << run->console_tail();
    EXPECT_NE(run->console.find(saved_by), std::string::npos) << run->console_tail();
}

void expect_readers_accept(const std::string& vmcore, const std::string& scratch) {
    const std::string dmesg = scratch + "/dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(vmcore) + " " + shell_quote(dmesg) + " > " +
                    shell_quote(scratch + "/mdf.log") + " 2>&1"),
              0)
        << read_text(scratch + "/mdf.log");
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
    const std::string verified = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(vmcore) + " 2>&1; echo rc=$?");
    EXPECT_NE(verified.find("rc=0"), std::string::npos) << verified;
}

}  // namespace kdf_test::e2e
