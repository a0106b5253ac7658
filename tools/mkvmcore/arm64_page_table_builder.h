// tools/mkvmcore/arm64_page_table_builder.h - arm64 kernel page tables (TTBR1, swapper_pg_dir).
//
// Descriptors as the kernel writes them (arch/arm64/include/asm/pgtable-hwdef.h, pgtable-prot.h),
// for the granule and level count of the geometry:
//   table  0b11 at levels 0..2 (and -1 with 4K LPA2), next-table address, UXNTable (bit 60)
//   block  0b01 at level 2 (PMD: 2 MiB / 32 MiB / 512 MiB), attributes as a page
//   page   0b11 at level 3
// Leaf attributes: AF (bit 10), AttrIndx MT_NORMAL (0), SH inner shareable (bits 9:8 = 0b11, not
// with LPA2, where those bits hold OA[51:50]); data PAGE_KERNEL adds PXN (53), UXN (54) and
// PTE_WRITE/DBM (bit 51 - outside the output address, except that a translator taking bits 51:12
// as the address gets it wrong); text PAGE_KERNEL_ROX is UXN and read-only (AP[2], bit 7).
// A run of pages physically contiguous over an aligned CONT_PTES group (16, 128 or 32 entries)
// gets the contiguous hint (bit 52), as the linear map does when it is not mapped page by page.
// The output address is encoded per Arm64PaFormat (arm64_geometry.h). Table pages (one page
// each; the root is the given swapper_pg_dir) come from the memblock allocator.
#pragma once

#include <cstdint>

#include "kdf/status.h"
#include "tools/mkvmcore/arm64_geometry.h"
#include "tools/mkvmcore/memblock_allocator.h"
#include "tools/mkvmcore/phys_overlay.h"

namespace kdf::mkvmcore {

enum class Arm64Prot : uint8_t { kernel, kernel_rox };

class Arm64PageTableBuilder {
public:
    Arm64PageTableBuilder(const Arm64Geometry& geometry, uint64_t root_paddr, PhysOverlay& mem,
                          MemblockAllocator& alloc) noexcept
        : g_(geometry), root_(root_paddr), mem_(mem), alloc_(alloc) {}

    // Maps [vaddr, vaddr+size) to [paddr, ...): level-2 blocks where `blocks` is set, both sides
    // are block aligned and a whole block fits; pages elsewhere (with the contiguous hint where a
    // whole aligned group fits).
    Status map(uint64_t vaddr, uint64_t paddr, uint64_t size, Arm64Prot prot, bool blocks);

    // The descriptor encoding of an output address (table, block or page alike).
    uint64_t encode_address(uint64_t paddr) const noexcept;

    // The physical address of vaddr's entry at `level` when the tables above it exist and that
    // entry is empty; 0 otherwise.
    uint64_t empty_slot(uint64_t vaddr, int level) const noexcept;
    // Writes a table descriptor pointing at `table_paddr` into `slot` (the caller plants a table
    // outside the dump with it).
    void set_table(uint64_t slot, uint64_t table_paddr);

private:
    uint64_t index(uint64_t vaddr, int level) const noexcept;
    Status map_one(uint64_t vaddr, uint64_t paddr, int leaf_level, uint64_t attrs);
    uint64_t decode_table(uint64_t desc) const noexcept;

    const Arm64Geometry& g_;
    uint64_t root_;
    PhysOverlay& mem_;
    MemblockAllocator& alloc_;
};

}  // namespace kdf::mkvmcore
