// core/arch/arm64/arm64_layout.h - how an arm64 kernel laid out its address space, from VMCOREINFO.
//
// What it uses (arch/arm64/kernel/vmcore_info.c, crash_core.c before 6.9):
//   PAGESIZE                 the granule: 4 KiB, 16 KiB or 64 KiB
//   NUMBER(VA_BITS)          the configured kernel VA size: 36, 39, 42, 47, 48 or 52
//   NUMBER(TCR_EL1_T1SZ)     64 - the VA size the kernel half really uses (5.9+). A VA_BITS=52
//                            kernel on a CPU without 52-bit VA runs with 48 bits and one level
//                            fewer; without the key, 52-bit kernels are told apart as makedumpfile
//                            does, by where SYMBOL(mem_section) (a linear-map address) lies.
//   NUMBER(PHYS_OFFSET)      memstart_addr: the physical address the linear map's base maps to
//   NUMBER(kimage_voffset)   kernel image: paddr = vaddr - kimage_voffset (4.6+)
//   NUMBER(MAX_PHYSMEM_BITS) 52 means page-table entries carry PA bits above 48 (see below)
//   NUMBER(KERNELPACMASK)    the pointer-authentication bits of a signed kernel code pointer
//   SYMBOL(swapper_pg_dir)   the kernel page-table root (a kernel-image address)
//   SYMBOL(_stext)           tells the two linear-map layouts apart (below)
//   KERNELOFFSET             KASLR slide (reported only: every SYMBOL() already carries it)
//
// Two linear-map layouts exist. Before 5.4 the linear map is the upper half of the kernel VA
// space (PAGE_OFFSET = -(1 << (VA_BITS - 1))) and the image lives below it; 5.4 "flipped" it
// (PAGE_OFFSET = -(1 << VA_BITS), the image and vmalloc in the upper half). As makedumpfile does,
// the layout is read from where the kernel image is: _stext above -(1 << (min(VA_BITS, 48) - 1))
// means flipped. In both, a linear address maps as paddr = vaddr - linear_base + PHYS_OFFSET,
// where linear_base is PAGE_OFFSET computed from the configured VA_BITS. A 52-bit kernel on a
// 48-bit CPU maps its linear map at -(1 << 48); since 5.10 (and the 5.4.y stable releases that
// took the same change) it lowers memstart_addr by _PAGE_OFFSET(48) - _PAGE_OFFSET(52), so the
// same formula holds. 5.4 to 5.9 kept memstart_addr and offset the linear map another way: there
// the formula is wrong, the walk disagrees with it where it is proven, and every linear address
// is walked (right, only slower). The formula is never used unproven.
//
// 52-bit physical addresses: with 64 KiB pages (ARMv8.2 LPA) PA[51:48] sits in entry bits
// [15:12]; with 4/16 KiB pages (LPA2, 6.9+) PA[51:50] sits in entry bits [9:8], which otherwise
// hold the shareability field. The kernel turns LPA2 on exactly when it runs with 52-bit VAs on
// those granules (the CPU feature gives both), so LPA2 is in use when MAX_PHYSMEM_BITS is 52, the
// granule is 4 or 16 KiB and TCR_EL1_T1SZ says 52 bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::arch {

struct Arm64Layout {
    uint64_t page_size = 4096;
    int page_shift = 12;
    int va_bits = 48;         // NUMBER(VA_BITS), as configured
    int va_bits_actual = 48;  // what the kernel half uses at run time
    int levels = 4;           // translation levels walked (2 to 5)
    int pa_bits = 48;         // NUMBER(MAX_PHYSMEM_BITS); when absent 52 with VA_BITS 52, else 48
    bool flipped = true;      // the 5.4+ layout: linear map in the lower half of the kernel space
    bool lpa2 = false;        // 4/16 KiB granule with 52-bit output addresses (PA[51:50] in [9:8])
    uint64_t phys_offset = 0;
    std::optional<uint64_t> kimage_voffset;
    uint64_t pac_mask = 0;
    uint64_t root_vaddr = 0;  // SYMBOL(swapper_pg_dir)
    uint64_t linear_base = 0;   // PAGE_OFFSET of the configured VA_BITS: maps to phys_offset
    uint64_t linear_start = 0;  // the linear region the formula is trusted for (before proof)
    uint64_t linear_end = 0;    // exclusive; 0 means the end of the address space

    // Errors name the VMCOREINFO key and start with `path`: Code::not_supported for a key the
    // kernel is too old to export (NUMBER(VA_BITS), NUMBER(PHYS_OFFSET): before 4.12),
    // Code::corrupt for a key every kernel writes that is missing, or values that contradict.
    static Result<Arm64Layout> from(const vmcore::VmcoreInfo& info, const std::string& path);

    // The lowest virtual address of the kernel half (TTBR1): every kernel address is at or above it.
    uint64_t kernel_space_start() const noexcept { return ~0ULL << va_bits_actual; }
    // The VA size swapper_pg_dir's root table is indexed with. A 64 KiB VA_BITS=52 kernel on a CPU
    // without 52-bit VAs keeps the root sized for 52 bits (1024 entries, same 3 levels) and points
    // TTBR1 at its last 64 entries (TTBR1_BADDR_4852_OFFSET); kernel addresses have VA[51:48] all
    // ones, so indexing the whole table with VA_BITS reads the same entries. 4/16 KiB kernels that
    // fall back from 52 bits fold a level instead, and their root is indexed with the actual size.
    int root_va_bits() const noexcept { return page_size == 65536 ? va_bits : va_bits_actual; }
    bool in_linear_region(uint64_t vaddr) const noexcept {
        return vaddr >= linear_start && (linear_end == 0 || vaddr < linear_end);
    }
    uint64_t linear_to_physical(uint64_t vaddr) const noexcept { return vaddr - linear_base + phys_offset; }
    // Return addresses saved with a pointer-authentication code (pac-ret signs only those) get
    // the PAC bits back to all ones (the kernel's own unwinder does so), user pointers to zeros. KERNELPACMASK is
    // GENMASK(63, vabits_actual) and so covers bit 55 too, but bit 55 is never part of a PAC: it
    // is what tells the two halves apart.
    uint64_t strip_pac(uint64_t pointer) const noexcept {
        if (pac_mask == 0) return pointer;
        return (pointer & (1ULL << 55)) != 0 ? pointer | pac_mask : pointer & ~pac_mask;
    }
};

}  // namespace kdf::arch
