// core/format/kdump_phys_base.h - the kdump sub-header's phys_base, as makedumpfile fills it.
//
// Purpose: readers of a kdump-compressed dump take the kernel's physical base from the sub-header
// instead of deriving it again (crash on arm64 translates kernel-image and linear-map addresses
// with it; libkdumpfile offers it as linux.phys_base). Its meaning depends on the architecture:
//   x86_64   where the kernel image was loaded, relative to its link address: NUMBER(phys_base),
//            or from the kernel-image PT_LOAD (p_paddr - (p_vaddr - __START_KERNEL_map)); it may
//            be negative (two's complement).
//   aarch64  the physical address the linear map starts at (the kernel's PHYS_OFFSET, i.e.
//            memstart_addr): NUMBER(PHYS_OFFSET), or from the first linear-map PT_LOAD
//            (p_paddr - (p_vaddr - PAGE_OFFSET)).
//   other    0.
// The value comes from the vmcore being dumped, never from the machine doing the dump.
#pragma once

#include <cstdint>

#include "core/vmcore/elf_reader.h"

namespace kdf::format {

uint64_t kdump_phys_base(const vmcore::ElfVmcore& core);

}  // namespace kdf::format
