// core/vmcore/physical_map.h - physical address -> file offset, from a vmcore's PT_LOADs.
//
// Built once from the non-alias PT_LOADs (ranges with p_memsz 0 are skipped), sorted by physical
// address; overlapping ranges are refused at build time, so a lookup has at most one answer.
// Immutable afterwards; lookups are O(log n) and safe from many threads.
#pragma once

#include <cstdint>
#include <vector>

#include "core/vmcore/load_segment.h"
#include "kdf/status.h"

namespace kdf::vmcore {

class PhysicalMap {
public:
    struct Range {
        uint64_t paddr = 0;        // first physical byte
        uint64_t mem_size = 0;     // physical bytes covered
        uint64_t file_offset = 0;  // where paddr's byte is in the file
        uint64_t file_size = 0;    // bytes present in the file; [file_size, mem_size) reads as zero
        uint32_t phdr_index = 0;   // the PT_LOAD it came from
        uint64_t end() const noexcept { return paddr + mem_size; }
    };

    PhysicalMap() = default;

    // Segments marked alias are left out. Two ranges that overlap are Code::corrupt, naming both.
    static Result<PhysicalMap> build(const std::vector<LoadSegment>& segments);

    const std::vector<Range>& ranges() const noexcept { return ranges_; }

    // The range holding `paddr`, or nullptr for a hole.
    const Range* find(uint64_t paddr) const noexcept;

    // Pages lying wholly inside a range. A partial page at a range edge (x86_64's low range ends at
    // 0x9fc00) is not counted, as makedumpfile's 1st bitmap does not count it.
    uint64_t total_pages(uint64_t page_size = 4096) const noexcept;

    // One past the highest page frame any range touches (makedumpfile's max_mapnr); 0 if empty.
    uint64_t max_pfn(uint64_t page_size = 4096) const noexcept;

private:
    std::vector<Range> ranges_;
};

}  // namespace kdf::vmcore
