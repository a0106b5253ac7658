// tools/mkvmcore/kernel_layout.h - physical RAM and kernel virtual address space of a --kernel vmcore.
//
// Physical RAM (a pure function of size, seed, holes):
//   [0x1000, 0x9f000)           low memory, reserved (BIOS area), as on a PC
//   [1 MiB, ...) split into holes+1 ranges; the first hole is 128 MiB (a crashkernel= reservation,
//   which /proc/vmcore leaves out), the others 1..200 MiB, not always 2 MiB aligned, so the direct
//   map needs 4 KiB page tables at their edges and some 128 MiB sections are only partly present.
//   The kernel image sits at a 2 MiB boundary in the first range above 1 MiB.
// Virtual (x86_64, arch/x86/include/asm/page_64_types.h, arch/x86/mm/kaslr.c):
//   direct map   page_offset_base  0xffff888000000000 (5-level 0xff11000000000000)
//   vmemmap      vmemmap_base      0xffffea0000000000 (5-level 0xffd4000000000000)
//   kernel image _text = 0xffffffff81000000 + KERNELOFFSET, physically at image_paddr, so
//                phys_base = image_paddr - (_text - __START_KERNEL_map 0xffffffff80000000)
// --kaslr moves page_offset_base and vmemmap_base by seeded multiples of 1 GiB as the kernel's
// memory randomisation does; the image slide (KERNELOFFSET) is always seeded, as in the plain sample.
// --arch arm64 fills the same structure from arm64_layout.h (page size, PHYS_OFFSET, the arm64
// address-space constants); everything below that is written in pfns uses `page_size`.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/mkvmcore/arm64_geometry.h"
#include "tools/mkvmcore/mkvmcore_options.h"

namespace kdf::mkvmcore {

struct PhysRange {
    uint64_t start = 0;  // bytes, page aligned
    uint64_t end = 0;    // exclusive
};

struct KernelLayout {
    Arch arch = Arch::x86_64;
    uint64_t page_size = 4096;      // PAGESIZE: the unit of pfns, struct pages and page-table pages
    uint32_t section_size_bits = 27;
    int pg_hwpoison = 23;           // NUMBER(PG_hwpoison): 22 on arm64, which has no PG_uncached
    uint32_t paging = 4;
    std::vector<PhysRange> ram;     // ascending; each becomes one direct-map PT_LOAD
    uint64_t page_offset_base = 0;  // direct map: vaddr = page_offset_base + (paddr - phys_offset)
    uint64_t phys_offset = 0;       // arm64 PHYS_OFFSET (memstart_addr); 0 on x86_64
    uint64_t vmemmap_base = 0;      // struct page of pfn N at vmemmap_base + 64 * N (arm64: `vmemmap`)
    uint64_t kerneloffset = 0;      // KERNELOFFSET
    uint64_t kernel_text = 0;       // _stext = _text = 0xffffffff81000000 + kerneloffset
    uint64_t image_paddr = 0;       // physical address of _text, 2 MiB aligned
    uint64_t image_size = 0;        // _end - _text, the alias PT_LOAD's size
    int64_t phys_base = 0;          // image_paddr - (kernel_text - __START_KERNEL_map)
    uint32_t max_physmem_bits = 46;
    Arm64Geometry arm64;            // only for Arch::arm64 (kernel_text is then _text, not _stext)

    uint64_t max_pfn() const noexcept { return ram.empty() ? 0 : ram.back().end / page_size; }
    uint64_t section_pages() const noexcept { return (uint64_t{1} << section_size_bits) / page_size; }
    bool is_ram(uint64_t pfn) const noexcept;
    uint64_t image_vaddr(uint64_t paddr) const noexcept { return kernel_text + (paddr - image_paddr); }
    uint64_t direct(uint64_t paddr) const noexcept { return page_offset_base + (paddr - phys_offset); }
};

inline constexpr uint64_t kStartKernelMapping = 0xffffffff80000000ULL;
inline constexpr uint64_t kLowRamStart = 0x1000;
inline constexpr uint64_t kLowRamEnd = 0x9f000;

// The x86_64 layout, or arm64's (make_arm64_layout) for --arch arm64.
KernelLayout make_kernel_layout(const MkvmcoreOptions& opts);

}  // namespace kdf::mkvmcore
