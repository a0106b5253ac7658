// core/chain/peak_memory.h - how much memory the dump took, as the crash kernel saw it.
//
// crashkernel= must hold the kernel, the initramfs and us; docs/sizing.md turns these figures into
// advice. The chain process reads its own high-water mark (VmHWM) from /proc/self/status when the
// chain is over; each attempt's comes from wait4 (AttemptOutcome::peak_rss_kib).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kdf::chain {

// VmHWM of this process in KiB; nullopt where /proc is not mounted.
std::optional<uint64_t> self_peak_rss_kib();

// The VmHWM line of a /proc/PID/status text, in KiB.
std::optional<uint64_t> parse_vm_hwm_kib(std::string_view status_text);

}  // namespace kdf::chain
