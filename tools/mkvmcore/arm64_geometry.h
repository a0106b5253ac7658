// tools/mkvmcore/arm64_geometry.h - the arm64 address-space constants of one kernel configuration.
//
// A page size (4K, 16K, 64K) and VA_BITS (39, 42, 47, 48, 52) fix everything the kernel derives at
// build time: the number of page-table levels, where the linear map, vmemmap, modules and the
// kernel image live, and how a descriptor holds a 52-bit output address. The values follow
// arch/arm64/include/asm/memory.h of 6.1 (and of 6.9+ for the LPA2 layouts, which only 6.9+
// kernels can build); arm64_layout.h computes them, the page-table builder and VMCOREINFO use them.
#pragma once

#include <cstdint>

namespace kdf::mkvmcore {

// How a table, block or page descriptor holds its output address (OA).
enum class Arm64PaFormat : uint8_t {
    pa48,  // OA[47:page_shift] in bits [47:page_shift]; bits 51-48 are attributes (bit 51 = DBM)
    lpa,   // 64K pages, FEAT_LPA: OA[47:16] in place, OA[51:48] in bits [15:12]
    lpa2,  // 4K/16K pages, FEAT_LPA2: OA[49:page_shift] in place, OA[51:50] in bits [9:8]
           // (the shareability field moves to TCR_EL1, so bits 9:8 no longer hold SH)
};

struct Arm64Geometry {
    uint32_t page_shift = 12;
    uint32_t va_bits = 48;       // NUMBER(VA_BITS); the hardware runs with all of them (TCR_EL1.T1SZ = 64 - VA_BITS)
    uint32_t va_bits_min = 48;   // VA_BITS_MIN: the kernel image and modules sit below _PAGE_END(VA_BITS_MIN)
    uint32_t levels = 4;         // ARM64_HW_PGTABLE_LEVELS(VA_BITS) = (VA_BITS - 4) / (PAGE_SHIFT - 3)
    Arm64PaFormat pa_format = Arm64PaFormat::pa48;
    bool layout_69 = false;      // the 6.9+ vmemmap/modules placement (LPA2 layouts)
    uint64_t page_offset = 0;    // PAGE_OFFSET = -(1 << VA_BITS): start of the linear map
    uint64_t modules_vaddr = 0, modules_end = 0;  // MODULES_END = KIMAGE_VADDR
    uint64_t vmalloc_start = 0, vmalloc_end = 0;
    uint64_t vmemmap_start = 0, vmemmap_end = 0;
    uint64_t kimage_voffset = 0; // _text - physical address of _text
    uint64_t stext = 0;          // SYMBOL(_stext) = _text + 64 KiB (the image header segment)
    uint64_t pac_mask = 0;       // NUMBER(KERNELPACMASK): GENMASK(63, VA_BITS)

    uint32_t t1sz() const noexcept { return 64 - va_bits; }
    uint32_t bits_per_level() const noexcept { return page_shift - 3; }
    // ARM's numbering: leaves at level 3, the root at 4 - levels (-1 for 4K pages with 52 bits).
    int top_level() const noexcept { return 4 - static_cast<int>(levels); }
    // Address bits one entry of `level` spans (level 3: a page).
    uint32_t level_shift(int level) const noexcept {
        return page_shift + bits_per_level() * static_cast<uint32_t>(3 - level);
    }
};

}  // namespace kdf::mkvmcore
