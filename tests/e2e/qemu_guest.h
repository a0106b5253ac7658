// tests/e2e/qemu_guest.h - a Debian kernel crashed for real under QEMU, for the end-to-end tests.
//
// The work is done by the scripts in tests/e2e/guest/ (which can also be run by hand, see
// tests/e2e/README.md): prepare-kernel.sh unpacks Debian's linux-image-amd64 kernel,
// make-initrds.sh builds the crash initramfs through our install path and dracut module,
// run-guest.sh boots it (normal kernel -> kexec -p -> sysrq c -> crash kernel -> chain -> power
// off). This class runs them and reads what the guest wrote on its serial console.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace kdf_test::e2e {

struct GuestKernel {
    std::string root;     // the unpacked package (boot/, lib/modules/)
    std::string release;  // e.g. 6.1.0-57-amd64
    std::string vmlinuz() const { return root + "/boot/vmlinuz-" + release; }
};

// Why QEMU cannot run at all here (no software emulation); empty when it can. A missing
// qemu-system-x86_64 is not such a reason: tools/install-deps.sh installs it, so that is a failure.
std::string qemu_unusable_reason();

// Debian's kernel from the cache tools/install-deps.sh fills (KDF_E2E_KERNEL_CACHE, default
// /var/cache/kdump-failover/e2e-kernel); nullopt with the reason in *why.
std::optional<GuestKernel> guest_kernel(std::string* why);

struct GuestOptions {
    std::string config;        // the chain's config for the crash initramfs; empty: raw mode
    std::string disk;          // a raw image as /dev/vda; empty: none
    bool network = false;      // QEMU user network: the guest's 10.0.2.2 is the host's 127.0.0.1
    bool five_level = false;   // -cpu max with la57 (5-level paging)
    int timeout_s = 600;       // run-guest.sh kills QEMU after this
    std::string overlay;       // a directory whose files go into the crash initramfs last (make-initrds.sh --overlay)
    std::string modules;       // more kernel modules for the crash kernel, e.g. "ext4" (make-initrds.sh --modules)
    std::function<void()> before_boot;  // runs after the initramfs is built, before QEMU starts
    int mem_mib = 0;           // guest RAM; 0: run-guest.sh's default (512)
    std::string crashkernel;   // the crashkernel= reservation; empty: run-guest.sh's default (192M)
};

// What the guest's console said, parsed from the "KDF-E2E:" and "kdump-failover:" lines.
struct GuestRun {
    int exit_code = -1;              // run-guest.sh's (124: timed out)
    double wall_s = 0;               // QEMU's run, host clock (both kernels, emulated)
    std::string console;             // the whole serial console, both kernels
    std::optional<double> crash_kernel_up_s;   // crash kernel uptime when its /init started
    std::optional<double> chain_s;             // "chain over in X s"
    std::optional<double> chain_peak_mib;      // "peak memory: chain process X MiB (VmHWM)"
    std::optional<double> attempt_peak_mib;    // "largest attempt X MiB"
    std::optional<double> memory_read_mib;     // "dump complete, X MiB of memory read"
    std::optional<double> dump_file_mib;       // set by the test: the dump's size on the host
    std::optional<unsigned long long> raw_size;  // raw mode: bytes of /proc/vmcore on the disk
    bool chain_saved = false;                  // "the chain saved the dump"

    // One line for the test log: the scenario's figures (chain time, peak memory).
    std::string summary() const;
    // The last `lines` lines of the console, for failure messages.
    std::string console_tail(int lines = 60) const;
};

// Builds the initramfs pair in `work` and boots the guest until it powers off or times out.
// False (with *why) when a step before the boot failed.
bool run_crash_guest(const GuestKernel& kernel, const std::string& work, const GuestOptions& options,
                     GuestRun* run, std::string* why);

// Parses a console log (exposed for the parser's own test).
GuestRun parse_console(const std::string& console);

// `s` single-quoted for sh -c.
std::string shell_quote(const std::string& s);
// A whole file as text; "" when it cannot be read.
std::string read_text(const std::string& path);

}  // namespace kdf_test::e2e
