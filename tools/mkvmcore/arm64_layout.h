// tools/mkvmcore/arm64_layout.h - physical RAM and kernel address space of an --arch arm64 vmcore.
//
// Physical RAM (a pure function of size, seed, holes, page size and VA_BITS):
//   RAM starts at 0x40000000 (QEMU's virt board), split into holes+1 ranges as on x86_64: the first
//   hole is the 128 MiB crashkernel reservation, the others 1..200 MiB, page aligned. The first
//   range holds the kernel image (at 0x40200000, 2 MiB aligned as the boot protocol asks) and is at
//   least one level-2 block (2 MiB, 32 MiB or 512 MiB) long, so the linear map has block mappings.
//   With VA_BITS 52 the last range sits at 0x000d000000000000 instead, above 2^48, with bits 51, 50
//   and 48 of its addresses set, and it receives the memblock allocations (mem_map, mem_section,
//   page tables): 52-bit output addresses appear in table, block and page descriptors alike.
// Virtual (arch/arm64/include/asm/memory.h):
//   linear map   PAGE_OFFSET = -(1 << VA_BITS); vaddr = PAGE_OFFSET + (paddr - PHYS_OFFSET)
//   modules      MODULES_VADDR = _PAGE_END(VA_BITS_MIN) = -(1 << (VA_BITS_MIN - 1)), 128 MiB (2 GiB on 6.9+)
//   kernel image KIMAGE_VADDR = MODULES_END; _text = KIMAGE_VADDR + KERNELOFFSET (seeded, 2 MiB
//                steps); _stext = _text + 64 KiB; kimage_voffset = _text - paddr(_text)
//   vmemmap      6.1: VMEMMAP_START = -(1 << (VA_BITS - (PAGE_SHIFT - 6))); 6.9+ (the LPA2 layouts):
//                it ends at -1 GiB. struct page of pfn N at VMEMMAP_START + (N - PHYS_OFFSET/PAGE_SIZE) * 64
// PHYS_OFFSET is the start of RAM; --kaslr lowers it by seeded multiples of ARM64_MEMSTART_ALIGN
// (as the linear-map randomisation does), so the linear map no longer starts at PAGE_OFFSET.
#pragma once

#include "tools/mkvmcore/kernel_layout.h"

namespace kdf::mkvmcore {

inline constexpr uint64_t kArm64RamBase = 0x40000000ULL;
inline constexpr uint64_t kArm64HighBank = 0x000d000000000000ULL;
inline constexpr uint64_t kArm64StextOffset = 0x10000;

KernelLayout make_arm64_layout(const MkvmcoreOptions& opts);

// Bytes one level-2 block maps (PMD_SIZE): 2 MiB, 32 MiB or 512 MiB.
inline uint64_t arm64_block_size(const Arm64Geometry& g) { return uint64_t{1} << g.level_shift(2); }

}  // namespace kdf::mkvmcore
