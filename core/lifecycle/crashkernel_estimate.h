// core/lifecycle/crashkernel_estimate.h - how much memory crashkernel= must reserve here.
//
// The crash kernel holds its own kernel, the unpacked initramfs, the programs of the crash boot and
// our chain. The estimate adds up what this machine shows:
//   kernel        83 MiB: Debian 12's 6.1 kernel left 109 MiB of a 192M reservation to the crash
//                 system (measured by the end-to-end test): text, data, page tables, early slab
//   initramfs     its unpacked size, read from the crash initramfs itself
//   userspace     32 MiB for udev, systemd or dracut's shell, the network tools
//   kdump-failover 19 MiB: the chain process and its largest attempt at once (measured)
//   bitmaps       2 bits per page of this machine's RAM: makedumpfile's page bitmaps (kdump's own
//                 dump, the chain's last resort), which grow with RAM
// and is at least twice the unpacked initramfs (the kernel caps its RAM filesystem at half the
// memory) and at least the distribution's own default for this much RAM. Rounded up to 32 MiB.
#pragma once

#include <cstdint>
#include <string>

#include "core/lifecycle/distribution.h"

namespace kdf::lifecycle {

inline constexpr uint64_t kMiB = 1024 * 1024;
inline constexpr uint64_t kKernelOverhead = 83 * kMiB;
inline constexpr uint64_t kUserspace = 32 * kMiB;
inline constexpr uint64_t kOurPeak = 19 * kMiB;

struct CrashkernelEstimate {
    uint64_t mem_total = 0;
    uint64_t initramfs_unpacked = 0;  // 0 when the image was not found
    uint64_t bitmaps = 0;
    uint64_t sum = 0;               // overhead + initramfs + userspace + ours + bitmaps
    uint64_t distro_default = 0;    // the distribution's own default for this RAM
    uint64_t need = 0;              // the estimate, rounded
    std::string value() const;      // "256M": what setup --crashkernel auto writes
};

CrashkernelEstimate estimate_crashkernel(DistroFamily family, uint64_t mem_total, uint64_t initramfs_unpacked);

// "1G-4G:192M,64G-:512M" or "256M" -> bytes reserved on a machine with `mem_total`; 0 when the
// expression reserves nothing there or does not parse.
uint64_t crashkernel_bytes(const std::string& value, uint64_t mem_total);

std::string mib_text(uint64_t bytes);  // "256M"

}  // namespace kdf::lifecycle
