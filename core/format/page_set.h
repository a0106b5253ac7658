// core/format/page_set.h - which page frames a vmcore holds, counted the way makedumpfile counts
// them: whole pages inside the physical map's ranges (kernel-image alias PT_LOADs excluded). A page
// only partly covered by a PT_LOAD (the low range often ends at 0x9fc00) is not a page of the dump.
//
// This is the 1st bitmap of a kdump-compressed file, and the order in which pages reach a writer.
// The 2nd bitmap is this set minus the pages the dump level's filter drops (core/filter): those
// still reach the writer, as PageRecord::excluded, so the set itself never changes. A zero page at
// level 1 keeps its 2nd-bitmap bit and shares one zero page.
// Runs, not bitmaps: memory stays proportional to the number of PT_LOADs, not to the RAM size.
#pragma once

#include <cstdint>
#include <vector>

#include "core/vmcore/physical_map.h"

namespace kdf::format {

class PageSet {
public:
    struct Run {
        uint64_t first_pfn = 0;
        uint64_t count = 0;
        uint64_t file_offset = 0;     // file offset of first_pfn's first byte
        uint64_t file_pages = 0;      // pages of the run backed by file bytes; the rest read as zero
        uint64_t end_pfn() const { return first_pfn + count; }
    };

    PageSet() = default;
    PageSet(const vmcore::PhysicalMap& map, uint64_t page_size);

    uint64_t page_size() const { return page_size_; }
    uint64_t max_mapnr() const { return max_mapnr_; }  // one past the highest present pfn
    uint64_t count() const { return count_; }          // present pages
    const std::vector<Run>& runs() const { return runs_; }  // ascending, non-overlapping
    bool contains(uint64_t pfn) const;

private:
    uint64_t page_size_ = 4096;
    uint64_t max_mapnr_ = 0;
    uint64_t count_ = 0;
    std::vector<Run> runs_;
};

}  // namespace kdf::format
