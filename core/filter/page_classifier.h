// core/filter/page_classifier.h - one struct page -> what makedumpfile would do with it.
//
// Pure logic on bytes the caller read: no I/O, no state, so it is tested on hand-made struct pages
// and shared by every pass over mem_map. The rule chain is makedumpfile's, in its order (the first
// match wins):
//   compound tail (compound_head & 1)      skipped: its head already excluded the whole folio
//   free (buddy marker)                    1 << page.private pages
//   unaccepted                             1 << (LENGTH(zone.free_area) - 1) pages
//   cache, not private, not anonymous      1 << compound order pages (level 2)
//   cache, not anonymous                   (level 4)
//   anonymous or hugetlb                   (level 8)
//   hwpoison, offline                      always (when exported)
//   anything else                          kept
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/filter/page_rules.h"

namespace kdf::filter {

enum class PageClass : uint8_t { kept, tail, free, cache, cache_private, user, hwpoison, offline };

struct PageVerdict {
    PageClass cls = PageClass::kept;
    uint64_t pages = 1;              // pfns excluded from this one on (kept/tail: 1)
    bool bad_free_order = false;     // a buddy page whose order is out of range (kept, as makedumpfile does)
};

inline bool excludes(PageClass c) { return c != PageClass::kept && c != PageClass::tail; }

// The fields of one struct page the rules read, and the two tests that depend on the kernel's
// page-type scheme. classify_page() decides from exactly these, so a caller that must say why a
// page is kept or excluded (comparing against another tool's page set) reads the same facts.
struct PageFacts {
    uint64_t flags = 0;
    uint64_t mapping = 0;
    uint32_t mapcount = 0;  // 0 when OFFSET(page._mapcount) is not exported
    uint64_t priv = 0;
    uint64_t compound_head = 0;
    bool slab = false;  // NUMBER(PAGE_SLAB_MAPCOUNT_VALUE) in _mapcount, or the PG_slab flag
    bool anon = false;  // mapping bit 0 (PAGE_MAPPING_ANON) and not slab

    bool tail() const noexcept { return (compound_head & 1) != 0; }
    // For a tail: the kernel virtual address of its head's struct page.
    uint64_t head_struct_page() const noexcept { return compound_head & ~1ULL; }
};

PageFacts page_facts(const PageRules& rules, const std::byte* page);

// `page` points at SIZE(page) bytes of the struct page of `pfn`; `next` at the following struct
// page, or nullptr when it is not available. makedumpfile reads a compound head's order from the
// next struct page only inside its 512-entry read cache (pfn % 512 != 511), so callers pass
// nullptr there too: a real compound head is aligned to its order and never sits at such a pfn.
PageVerdict classify_page(const PageRules& rules, const std::byte* page, const std::byte* next, uint64_t pfn);

}  // namespace kdf::filter
