// core/filter/mem_map.h - where the crashed kernel's struct pages are: one chunk per SPARSEMEM
// section that has a mem_map (SYMBOL(mem_section), SPARSEMEM_EXTREME roots or a flat section
// array; with VMEMMAP the decoded address simply lands in the vmemmap area), or one chunk for the
// whole range on FLATMEM (SYMBOL(mem_map)).
//
// The section walk is makedumpfile's get_mm_sparsemem()/validate_mem_section(): a section is used
// when its section_mem_map has SECTION_MARKED_PRESENT; the address is (section_mem_map &
// ~(SECTION_MAP_LAST_BIT - 1)) + first pfn * SIZE(page); the roots array is tried as the
// SYMBOL's target first and, for SPARSEMEM_EXTREME, through one more pointer if that fails.
// A section whose mem_section entry cannot be read gets no chunk: its pages are not classified
// (kept), and `unreadable_sections` counts it so the caller can say so.
// Memory: one 24-byte chunk per present section (8192 at 1 TiB with 128 MiB sections).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::filter {

struct MemMapChunk {
    uint64_t first_pfn = 0;
    uint64_t end_pfn = 0;  // exclusive
    uint64_t vaddr = 0;    // struct page of first_pfn
};

struct MemMapLayout {
    std::vector<MemMapChunk> chunks;   // ascending, non-overlapping
    uint64_t unreadable_sections = 0;  // mem_section entries that could not be read
    std::string model;                 // "SPARSEMEM_EXTREME", "SPARSEMEM" or "FLATMEM", for messages

    // Finds the chunks covering pfns [0, max_mapnr). `kernel_floor` is the lowest kernel virtual
    // address a mem_map may have (makedumpfile's is_kvaddr()). Code::not_found when VMCOREINFO
    // names no memory model we read (DISCONTIGMEM, or keys missing); Code::corrupt when the
    // mem_section data is unusable.
    static Result<MemMapLayout> find(const arch::KernelMemory& mem, const vmcore::VmcoreInfo& info,
                                     uint64_t struct_size, uint64_t max_mapnr, uint64_t kernel_floor);

    // The chunk holding pfn's struct page; nullptr when no chunk covers pfn.
    const MemMapChunk* chunk_of(uint64_t pfn) const noexcept;
    // The pfn whose struct page starts at kernel address `vaddr` (a tail page's compound_head
    // names its head this way); nullopt outside every chunk or off a struct page boundary.
    std::optional<uint64_t> pfn_of_struct_page(uint64_t vaddr, uint64_t struct_size) const noexcept;
};

}  // namespace kdf::filter
