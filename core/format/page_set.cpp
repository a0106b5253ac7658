#include "core/format/page_set.h"

#include <algorithm>

namespace kdf::format {

PageSet::PageSet(const vmcore::PhysicalMap& map, uint64_t page_size) : page_size_(page_size) {
    for (const auto& r : map.ranges()) {
        uint64_t first = (r.paddr + page_size - 1) / page_size;  // round up: partial pages are not pages
        uint64_t end = r.end() / page_size;                       // round down
        if (end <= first) continue;
        Run run;
        run.first_pfn = first;
        run.count = end - first;
        run.file_offset = r.file_offset + (first * page_size - r.paddr);
        uint64_t file_end_paddr = r.paddr + r.file_size;
        uint64_t backed_end = std::clamp<uint64_t>(file_end_paddr / page_size, first, end);
        run.file_pages = backed_end - first;
        // Adjacent ranges that continue each other (contiguous in memory and in the file) stay
        // separate runs: a run always maps linearly onto the file.
        runs_.push_back(run);
        count_ += run.count;
        max_mapnr_ = std::max(max_mapnr_, end);
    }
    std::sort(runs_.begin(), runs_.end(), [](const Run& a, const Run& b) { return a.first_pfn < b.first_pfn; });
}

bool PageSet::contains(uint64_t pfn) const {
    auto it = std::upper_bound(runs_.begin(), runs_.end(), pfn, [](uint64_t p, const Run& r) { return p < r.first_pfn; });
    if (it == runs_.begin()) return false;
    --it;
    return pfn < it->end_pfn();
}

}  // namespace kdf::format
