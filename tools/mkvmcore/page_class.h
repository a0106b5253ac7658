// tools/mkvmcore/page_class.h - what a page frame is used for, as the kernel's struct page tells it.
//
// The classes are the ones that decide makedumpfile's dump levels (1 zero, 2 cache, 4 private
// cache, 8 user, 16 free) plus the kernel's own pages. Each maps to one struct page encoding
// (struct_page_encoder.h) and one line kind in the manifest ("START_PFN COUNT CLASS").
//   free           buddy allocator pages (head: _mapcount PAGE_BUDDY_MAPCOUNT_VALUE, private = order)
//   pcp            free pages sitting on a per-CPU list: free for the kernel, but not PageBuddy
//   cache          file page cache on the LRU, no buffer heads
//   cache_private  file page cache with PG_private (buffer heads attached)
//   swapcache      swap-cache page read ahead and not mapped yet (PG_swapcache|PG_swapbacked, no mapping)
//   user           anonymous page (mapping = anon_vma | PAGE_MAPPING_ANON)
//   thp            anonymous transparent huge page, order 9 (head + 511 tails)
//   hugetlb        hugetlbfs page, order 9 (compound_dtor HUGETLB_PAGE_DTOR)
//   kernel         page the kernel allocated for itself (refcount 1, no mapping)
//   zero           a kernel page whose contents are all zero
//   slab           slab page (PG_slab, mapping = kmem_cache); some are compound (order 1..3)
//   offline        logically offline (balloon), _mapcount PAGE_OFFLINE_MAPCOUNT_VALUE
//   hwpoison       PG_hwpoison set
//   reserved       PG_reserved: firmware areas, the kernel image, memblock allocations (mem_map,
//                  mem_section); never chosen by weight
//   pagetable      a page-table page (page_type PG_table); never chosen by weight
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kdf/status.h"

namespace kdf::mkvmcore {

enum class PageClass : uint8_t {
    free, pcp, cache, cache_private, swapcache, user, thp, hugetlb, kernel, zero, slab, offline, hwpoison,
    reserved, pagetable,
};

inline constexpr size_t kPageClassCount = 15;
inline constexpr size_t kWeightedClassCount = 13;  // the classes before `reserved` can be weighted

const char* class_name(PageClass c) noexcept;
std::optional<PageClass> class_from_name(std::string_view name) noexcept;

// Relative weights (share of pages) of the weighted classes.
struct ClassMix {
    std::array<uint32_t, kWeightedClassCount> weight{};
    uint32_t& operator[](PageClass c) noexcept { return weight[static_cast<size_t>(c)]; }
    uint32_t operator[](PageClass c) const noexcept { return weight[static_cast<size_t>(c)]; }
    uint64_t total() const noexcept;
};

// free=30,pcp=1,cache=18,cache_private=3,swapcache=2,user=18,thp=6,hugetlb=3,kernel=8,zero=3,slab=6,offline=1,hwpoison=1
ClassMix default_class_mix() noexcept;

// "free=30,user=10,..."; classes not named weigh 0. Errors name the bad item.
Result<ClassMix> parse_class_mix(std::string_view text);

}  // namespace kdf::mkvmcore
