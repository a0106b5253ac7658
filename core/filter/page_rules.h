// core/filter/page_rules.h - how to read and classify one struct page, decided once from
// VMCOREINFO.
//
// makedumpfile's __exclude_unnecessary_pages() (1.7.2 and upstream 1.7.9, which agree on kernels
// up to 6.2) tests a page with a fixed chain of rules; which variant of each rule applies depends on
// what the crashed kernel exported. PageRules records those facts as data, and the classifier
// (page_classifier.h) only reads them, so a newer kernel's rule is one more optional field here
// plus one branch there, chosen by the presence of a key, never by OSRELEASE:
//
//   rule              keys it needs (any missing: the rule is off, the pages it would drop are kept)
//   struct page       SIZE(page), OFFSET(page.flags|_refcount|mapping)              (else: no walk)
//   compound tail     OFFSET(page.compound_head)                 bit 0 set = tail, skipped
//   compound head     NUMBER(PG_head_mask); the order from, first found:
//                       NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE) (6.9+)  folio._flags_1 & 0xff
//                       NUMBER(PG_hugetlb) (6.6-6.8)                folio._flags_1 & 0xff
//                       OFFSET(folio._folio_order) (6.3-6.5) or OFFSET(page.compound_order)
//   hugetlb           the _mapcount value, PG_hugetlb in _flags_1, or the compound_dtor id
//                     (NUMBER(HUGETLB_PAGE_DTOR)) / SYMBOL(free_huge_page)
//   slab              NUMBER(PAGE_SLAB_MAPCOUNT_VALUE) (6.10+) or NUMBER(PG_slab); with neither,
//                     bit 7 when PG_lru/PG_private/PG_swapcache are 5/11/15 (makedumpfile's fallback)
//   free (16)         OFFSET(page.private) + OFFSET(page._mapcount) + NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE),
//                     or NUMBER(PG_buddy) (before 2.6.38); LENGTH(zone.free_area) bounds the order
//   unaccepted (16)   NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE) + LENGTH(zone.free_area)
//   cache (2, 4)      NUMBER(PG_lru|PG_private|PG_swapcache); PG_swapbacked when exported, else
//                     PG_private + 6 when PG_swapcache < PG_private (makedumpfile's fallback)
//   user (8)          page.mapping bit 0 and a slab test (else a slab page could pass as anonymous)
//   hwpoison, offline NUMBER(PG_hwpoison), NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE): at every level,
//                     as makedumpfile does (reading a poisoned page can take the crash kernel down)
//
// Where makedumpfile would use a missing key anyway (it reads NOT_FOUND_NUMBER, -1, as a bit
// number or mask), we switch the rule off instead: never excluding on a guess. Where it fills a
// missing number in (get_value_for_old_linux()), we do the same only when the numbers the kernel
// did export show that value holds, and say so. docs/kernel-versions.md has the whole matrix.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/vmcore/vmcoreinfo.h"

namespace kdf::filter {

// makedumpfile's dump level bits (DL_EXCLUDE_*).
inline constexpr int kLevelZero = 1;
inline constexpr int kLevelCache = 2;
inline constexpr int kLevelCachePrivate = 4;
inline constexpr int kLevelUser = 8;
inline constexpr int kLevelFree = 16;

struct PageRules {
    // How a compound head's order and hugetlb-ness are found in the next struct page.
    enum class CompoundSource {
        none,              // no order known: every head counts as order 0
        flags1_mapcount,   // order = _flags_1 & 0xff; hugetlb = head _mapcount == mc_hugetlb
        flags1_pg_hugetlb, // order = _flags_1 & 0xff; hugetlb = _flags_1 bit pg_hugetlb
        fields,            // order (and dtor) at fixed offsets in the next struct page
    };

    uint64_t page_size = 4096;
    uint64_t struct_size = 0;  // SIZE(page)
    uint32_t off_flags = 0;
    uint32_t off_mapping = 0;
    std::optional<uint32_t> off_mapcount;
    std::optional<uint32_t> off_private;
    std::optional<uint32_t> off_compound_head;

    uint64_t head_mask = 0;  // NUMBER(PG_head_mask); 0 = compound heads are not recognised
    std::optional<int> pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_hwpoison, pg_hugetlb, pg_buddy;
    std::optional<uint32_t> mc_buddy, mc_slab, mc_hugetlb, mc_offline, mc_unaccepted;  // 32-bit _mapcount values
    std::optional<uint64_t> free_area_length;  // LENGTH(zone.free_area) = MAX_ORDER + 1

    CompoundSource compound = CompoundSource::none;
    std::optional<uint32_t> order_offset;  // in the next struct page (fields)
    unsigned order_width = 1;              // bytes: 1 since 4.16 (u8 next to the u8 dtor), 2 before
    std::optional<uint32_t> dtor_offset;
    unsigned dtor_width = 1;
    std::optional<uint64_t> hugetlb_dtor;    // NUMBER(HUGETLB_PAGE_DTOR)
    std::optional<uint64_t> free_huge_page;  // SYMBOL(free_huge_page) (dtor was a pointer)

    // The exclusions in force: the dump level's bits, minus those whose keys are missing.
    int level = 0;
    bool exclude_free = false;
    bool exclude_unaccepted = false;
    bool exclude_cache = false;          // level bit 2
    bool exclude_cache_private = false;  // level bit 4
    bool exclude_user = false;
    bool exclude_hwpoison = false;
    bool exclude_offline = false;

    // Whether the mem_map must be walked at all (makedumpfile's create_2nd_bitmap() condition).
    bool walk_needed() const noexcept {
        return exclude_free || exclude_unaccepted || exclude_cache || exclude_cache_private || exclude_user ||
               exclude_hwpoison || exclude_offline;
    }

    // Reads VMCOREINFO for dump level `level` (0..31). Each line appended to `disabled` names pages
    // kept because VMCOREINFO says too little, with the reason in parentheses (the caller adds
    // ": kept"), and only when the level asked for them: a rule switched off ("free pages (no
    // ...)"), a rule weakened (tail pages of large folios when no folio order is exported), or a
    // fallback number in use (the pages it spares). An error only when struct page itself cannot
    // be read (then nothing can be classified).
    static Result<PageRules> from(const vmcore::VmcoreInfo& info, int level, std::vector<std::string>& disabled);
};

}  // namespace kdf::filter
