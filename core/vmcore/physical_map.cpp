#include "core/vmcore/physical_map.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace kdf::vmcore {

Result<PhysicalMap> PhysicalMap::build(const std::vector<LoadSegment>& segments) {
    PhysicalMap map;
    for (const LoadSegment& s : segments) {
        if (s.alias || s.mem_size == 0) continue;
        map.ranges_.push_back(Range{s.paddr, s.mem_size, s.file_offset, s.file_size, s.phdr_index});
    }
    std::sort(map.ranges_.begin(), map.ranges_.end(),
              [](const Range& a, const Range& b) { return a.paddr < b.paddr; });
    for (size_t i = 1; i < map.ranges_.size(); ++i) {
        const Range& a = map.ranges_[i - 1];
        const Range& b = map.ranges_[i];
        if (b.paddr < a.end()) {
            char buf[320];
            std::snprintf(buf, sizeof buf,
                          "PT_LOAD at program header %" PRIu32 " (physical 0x%" PRIx64 "-0x%" PRIx64
                          ") overlaps PT_LOAD at program header %" PRIu32 " (physical 0x%" PRIx64 "-0x%" PRIx64
                          ") and neither is a kernel-image alias",
                          b.phdr_index, b.paddr, b.end(), a.phdr_index, a.paddr, a.end());
            return Status::error(Code::corrupt, buf);
        }
    }
    return map;
}

const PhysicalMap::Range* PhysicalMap::find(uint64_t paddr) const noexcept {
    // First range starting after paddr; the one before it is the only candidate.
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), paddr,
                               [](uint64_t p, const Range& r) { return p < r.paddr; });
    if (it == ranges_.begin()) return nullptr;
    --it;
    return paddr < it->end() ? &*it : nullptr;
}

uint64_t PhysicalMap::total_pages(uint64_t page_size) const noexcept {
    if (page_size == 0) return 0;
    uint64_t n = 0;
    for (const Range& r : ranges_) {
        uint64_t first = r.paddr / page_size + (r.paddr % page_size != 0 ? 1 : 0);
        uint64_t last = r.end() / page_size;
        if (last > first) n += last - first;
    }
    return n;
}

uint64_t PhysicalMap::max_pfn(uint64_t page_size) const noexcept {
    if (ranges_.empty() || page_size == 0) return 0;
    uint64_t end = ranges_.back().end();
    return end / page_size + (end % page_size != 0 ? 1 : 0);
}

}  // namespace kdf::vmcore
