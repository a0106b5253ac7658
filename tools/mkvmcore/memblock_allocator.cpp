#include "tools/mkvmcore/memblock_allocator.h"

#include <algorithm>

namespace kdf::mkvmcore {

MemblockAllocator::MemblockAllocator(const KernelLayout& layout, uint64_t floor) {
    for (const PhysRange& r : layout.ram) {
        const uint64_t start = std::max(r.start, floor);
        if (start < r.end) free_.push_back({start, r.end});
    }
}

std::optional<uint64_t> MemblockAllocator::alloc(uint64_t size, uint64_t align, PageClass cls) {
    for (auto it = free_.rbegin(); it != free_.rend(); ++it) {
        if (it->end - it->start < size) continue;
        const uint64_t at = (it->end - size) / align * align;
        if (at < it->start) continue;
        // Whatever lies above the block (alignment slack) stays free for smaller requests.
        const PhysRange above{at + size, it->end};
        it->end = at;
        if (above.end > above.start) free_.push_back(above);
        std::sort(free_.begin(), free_.end(), [](const PhysRange& a, const PhysRange& b) { return a.start < b.start; });
        done_.push_back({at, at + size, cls});
        return at;
    }
    return std::nullopt;
}

std::vector<Allocation> MemblockAllocator::allocations() const {
    std::vector<Allocation> v = done_;
    std::sort(v.begin(), v.end(), [](const Allocation& a, const Allocation& b) { return a.start < b.start; });
    return v;
}

}  // namespace kdf::mkvmcore
