// tools/mkvmcore/memblock_allocator.h - boot-time physical allocations, top down, as memblock does.
//
// The kernel model takes its mem_map blocks, mem_section arrays and page-table pages from the top
// of RAM downwards, never from low memory or below the end of the kernel image. Each allocation is
// recorded with the class its struct pages get (reserved, or pagetable).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/page_class.h"

namespace kdf::mkvmcore {

struct Allocation {
    uint64_t start = 0;  // paddr
    uint64_t end = 0;
    PageClass cls = PageClass::reserved;
};

class MemblockAllocator {
public:
    // Allocates only above `floor` (e.g. the kernel image end).
    MemblockAllocator(const KernelLayout& layout, uint64_t floor);

    // size and align are multiples of 4 KiB; nullopt when RAM is exhausted.
    std::optional<uint64_t> alloc(uint64_t size, uint64_t align, PageClass cls);

    // Sorted by start.
    std::vector<Allocation> allocations() const;

private:
    std::vector<PhysRange> free_;  // ascending; the top of the last one is handed out first
    std::vector<Allocation> done_;
};

}  // namespace kdf::mkvmcore
