// tests/e2e/dead_nfs_failover.h - what the scenarios "the NFS target is dead, another network
// target on the host takes the dump" share: the guest kernel, the head of the chain's config with
// its dead NFS target, the guest's options, the boot and the failover it must show, and the
// reading of the saved dump by Debian's makedumpfile and our verify.
//
// The helpers assert with gtest: call each under ASSERT_NO_FATAL_FAILURE.
#pragma once

#include <optional>
#include <string>

#include "tests/e2e/qemu_guest.h"

namespace kdf_test::e2e {

inline constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
inline constexpr const char* kHostFromGuest = "10.0.2.2";

// QEMU and Debian's kernel: a failure when something tools/install-deps.sh installs is missing;
// *skip_reason set (and *kernel left empty) when QEMU cannot run here at all.
void require_guest_kernel(std::optional<GuestKernel>* kernel, std::string* skip_reason);

// The config up to the next target's section: zlib at dump level 31, the chain `nas` then `next`,
// and `nas` an NFS target on the host whose ports refuse (free ports nobody listens on).
std::string dead_nfs_chain_head(const std::string& next);

// The guest of these scenarios: the user network, and the memory for a crash initramfs that
// carries the network, several plugins and their libraries.
GuestOptions network_guest(const std::string& config);

// Boots the guest and checks the console: the guest ran to its end, the chain saved the dump,
// `nas` failed over to `next`, and the dump was saved by `saved_by` ("dump saved by target ...").
void boot_and_fail_over(const GuestKernel& kernel, const std::string& work, const GuestOptions& options,
                        const std::string& next, const std::string& saved_by, GuestRun* run);

// The dump saved on the host, read by others: makedumpfile --dump-dmesg finds the panic line,
// `kdump-failover verify` accepts it. `scratch` is a directory for their output.
void expect_readers_accept(const std::string& vmcore, const std::string& scratch);

}  // namespace kdf_test::e2e
