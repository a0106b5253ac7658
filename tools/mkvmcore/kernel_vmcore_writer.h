// tools/mkvmcore/kernel_vmcore_writer.h - write a --kernel vmcore: one makedumpfile 1.7.2 can filter.
//
// File layout as vmcore_writer.h (ELF header, PT_NOTE, then PT_LOADs), with:
//   PT_LOAD 0   the kernel image alias: vaddr _text (0xffffffff81000000 + KERNELOFFSET), paddr image
//   PT_LOAD 1.. one per RAM range (kernel_layout.h), vaddr = page_offset_base + paddr, as the
//               kernel's elfcorehdr has them
// Page bytes, per pfn: the kernel model's own pages (page tables, mem_section, uts, printk) as
// built; vmemmap blocks as encoded struct pages; free, pcp, zero, offline and hwpoison pages and
// untouched memblock pages all zero (holes in the sparse file); everything else the --mix content
// of page_content.h without its zero share, so only "zero" class pages are all zero.
#pragma once

#include "kdf/status.h"
#include "tools/mkvmcore/mkvmcore_options.h"
#include "tools/mkvmcore/vmcore_writer.h"

namespace kdf::mkvmcore {

Result<WriteSummary> write_kernel_vmcore(const MkvmcoreOptions& opts);

}  // namespace kdf::mkvmcore
