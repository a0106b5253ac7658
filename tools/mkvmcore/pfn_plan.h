// tools/mkvmcore/pfn_plan.h - which class each page frame of a --kernel vmcore has.
//
// A pure function of (seed, class mix, fixed ranges), computed per 2 MiB block of 512 pfns on
// demand, so memory stays constant whatever the RAM size. In each block:
//  * pfns the kernel model owns (low memory, kernel image, memblock allocations, page tables) and
//    pfns that are not RAM keep their fixed class (reserved or pagetable);
//  * a block with no fixed pfn may become one order-9 THP or hugetlb page (chance = their share);
//  * otherwise it is cut into naturally aligned pieces of 2^k pages (k random 0..9, shrunk to fit
//    alignment and fixed pfns), each given a class by weight: a free piece is one buddy block of
//    order k, a slab piece may hold compound slabs of order 1..3, any other piece is k order-0 pages.
// Piece sizes do not depend on the class, so each class gets about its weighted share of pages.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/memblock_allocator.h"
#include "tools/mkvmcore/page_class.h"

namespace kdf::mkvmcore {

struct PfnInfo {
    PageClass cls = PageClass::reserved;
    uint8_t order = 0;   // order of the buddy block or compound page the pfn belongs to (0: single page)
    uint16_t index = 0;  // position inside it: 0 = head (or the page itself), >0 = tail
    bool ram = false;    // false: not RAM (a hole inside a present section), struct page is reserved
};

inline constexpr uint64_t kBlockPages = 512;

class PfnPlan {
public:
    // `fixed` lists the allocations of the kernel model (the image and low memory included).
    PfnPlan(const KernelLayout& layout, uint64_t seed, const ClassMix& mix, std::vector<Allocation> fixed);

    PfnInfo info(uint64_t pfn);

private:
    using Block = std::array<PfnInfo, kBlockPages>;
    void plan(uint64_t block, Block& out) const;

    const KernelLayout& layout_;
    uint64_t seed_;
    ClassMix mix_;
    std::vector<Allocation> fixed_;  // sorted by start
    static constexpr size_t kCache = 4;
    std::array<uint64_t, kCache> cached_id_{};
    std::array<Block, kCache> cached_{};
    std::array<bool, kCache> cached_ok_{};
    size_t next_slot_ = 0;
};

}  // namespace kdf::mkvmcore
