// tools/mkvmcore/page_table_builder.h - x86_64 page tables (4- or 5-level) in physical memory.
//
// Entries use the kernel's flag sets: tables _PAGE_TABLE (0x067), 2 MiB leaves
// __PAGE_KERNEL_LARGE (0x1e3, plus NX) or __PAGE_KERNEL_LARGE_EXEC (0x1e1) for kernel text,
// 4 KiB leaves __PAGE_KERNEL (0x163, plus NX). Table pages come from the memblock allocator and
// are written into the overlay; the root (init_top_pgt) is given by the caller.
#pragma once

#include <cstdint>

#include "kdf/status.h"
#include "tools/mkvmcore/memblock_allocator.h"
#include "tools/mkvmcore/phys_overlay.h"

namespace kdf::mkvmcore {

class PageTableBuilder {
public:
    PageTableBuilder(uint32_t levels, uint64_t root_paddr, PhysOverlay& mem, MemblockAllocator& alloc) noexcept
        : levels_(levels), root_(root_paddr), mem_(mem), alloc_(alloc) {}

    // Maps [vaddr, vaddr+size) to [paddr, ...): 2 MiB leaves where both sides are 2 MiB aligned
    // and a whole 2 MiB fits, 4 KiB leaves elsewhere.
    Status map(uint64_t vaddr, uint64_t paddr, uint64_t size, bool exec);

private:
    Status map_one(uint64_t vaddr, uint64_t paddr, uint64_t leaf_level_shift, bool exec);

    uint32_t levels_;
    uint64_t root_;
    PhysOverlay& mem_;
    MemblockAllocator& alloc_;
};

}  // namespace kdf::mkvmcore
