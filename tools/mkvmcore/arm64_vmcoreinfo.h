// tools/mkvmcore/arm64_vmcoreinfo.h - the VMCOREINFO text of an --arch arm64 vmcore.
//
// Keys, order and number formats as Debian's 6.1 arm64 kernel writes them: the common part
// (crash_save_vmcoreinfo_init(): struct page, mem_section, printk ring, page flags, with arm64's
// values: SIZE(nodemask_t) 8, PG_hwpoison 22, LENGTH(zone.free_area) = MAX_ORDER of the page size),
// then arch_crash_save_vmcoreinfo(): NUMBER(VA_BITS) in decimal, the region bounds,
// kimage_voffset, PHYS_OFFSET and TCR_EL1_T1SZ in 0x hex, KERNELOFFSET in bare hex, then
// NUMBER(KERNELPACMASK) (pointer authentication in use).
#pragma once

#include <string>

#include "tools/mkvmcore/kernel_model.h"

namespace kdf::mkvmcore {

std::string arm64_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m);

}  // namespace kdf::mkvmcore
