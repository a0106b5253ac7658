// tools/mkvmcore/arm64_notes.h - the PT_NOTE contents of an --arch arm64 vmcore.
//
// One NT_PRSTATUS per CPU (owner "CORE", the 392-byte arm64 struct elf_prstatus: the common
// header, pr_reg = user_pt_regs {x0..x30, sp, pc, pstate} at 112, pr_fpvalid at 384), then
// VMCOREINFO. CPU 0 was in the sysrq crash path, the others in the idle loop. The saved link
// register (x30) holds a return address signed by pointer authentication, as the kernel's own
// frames do with PAC on: the bits NUMBER(KERNELPACMASK) covers carry the PAC instead of all-ones,
// and only stripping them (setting them back to one) gives the code address.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/mkvmcore_options.h"

namespace kdf::mkvmcore {

inline constexpr size_t kArm64PrstatusSize = 392;
inline constexpr uint64_t kArm64CrashLrOffset = 0x1a5f18;  // CPU 0's saved x30, from _stext

// The PAC-signed form of kernel code pointer `lr` (bit 55 stays set: it selects TTBR1).
uint64_t arm64_sign_pointer(uint64_t lr, uint64_t pac_mask, uint64_t seed) noexcept;

std::vector<std::byte> arm64_notes(const MkvmcoreOptions& opts, const KernelLayout& layout, const std::string& vmcoreinfo);

}  // namespace kdf::mkvmcore
