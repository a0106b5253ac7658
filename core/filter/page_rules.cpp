// core/filter/page_rules.cpp - see page_rules.h.
#include "core/filter/page_rules.h"

namespace kdf::filter {
namespace {

// makedumpfile's *_ORIGINAL page flag numbers (the 2.6.2x layout its fallbacks assume).
constexpr int kPgLruOriginal = 5;
constexpr int kPgSlabOriginal = 7;
constexpr int kPgPrivateOriginal = 11;
constexpr int kPgSwapcacheOriginal = 15;

std::optional<uint32_t> small_offset(const vmcore::VmcoreInfo& info, std::string_view member, uint64_t limit) {
    auto v = info.offset(member);
    if (!v || *v >= limit) return std::nullopt;
    return static_cast<uint32_t>(*v);
}

// A PG_* bit number that fits a 64-bit flags word.
std::optional<int> flag_bit(const vmcore::VmcoreInfo& info, std::string_view name) {
    auto v = info.number(name);
    if (!v || *v < 0 || *v > 63) return std::nullopt;
    return static_cast<int>(*v);
}

// A _mapcount / page_type marker, kept as the 32 bits the kernel stores (makedumpfile compares
// the whole word: `_mapcount == (int)NUMBER(...)`).
std::optional<uint32_t> mapcount_value(const vmcore::VmcoreInfo& info, std::string_view name) {
    auto v = info.number(name);
    if (!v || *v == -1) return std::nullopt;  // -1 is makedumpfile's NOT_FOUND_NUMBER, and no real marker
    return static_cast<uint32_t>(static_cast<uint64_t>(*v));
}

}  // namespace

Result<PageRules> PageRules::from(const vmcore::VmcoreInfo& info, int level, std::vector<std::string>& disabled) {
    PageRules r;
    r.level = level;
    r.page_size = info.page_size().value_or(4096);
    auto size = info.size("page");
    auto flags = info.offset("page.flags");
    auto mapping = info.offset("page.mapping");
    auto refcount = info.offset("page._refcount");
    std::string missing;
    if (!size) missing += " SIZE(page)";
    if (!flags) missing += " OFFSET(page.flags)";
    if (!mapping) missing += " OFFSET(page.mapping)";
    if (!refcount) missing += " OFFSET(page._refcount)";
    if (!missing.empty()) return Status::error(Code::not_found, "VMCOREINFO lacks" + missing);
    if (*size < 16 || *size > 4096 || *flags + 8 > *size || *mapping + 8 > *size)
        return Status::error(Code::corrupt, "VMCOREINFO struct page layout is implausible (SIZE(page)=" +
                                                std::to_string(*size) + ")");
    r.struct_size = *size;
    r.off_flags = static_cast<uint32_t>(*flags);
    r.off_mapping = static_cast<uint32_t>(*mapping);
    r.off_mapcount = small_offset(info, "page._mapcount", *size - 3);
    r.off_private = small_offset(info, "page.private", *size - 7);
    r.off_compound_head = small_offset(info, "page.compound_head", *size - 7);

    if (auto m = info.number("PG_head_mask"); m && *m > 0) r.head_mask = static_cast<uint64_t>(*m);
    r.pg_lru = flag_bit(info, "PG_lru");
    r.pg_private = flag_bit(info, "PG_private");
    r.pg_swapcache = flag_bit(info, "PG_swapcache");
    r.pg_swapbacked = flag_bit(info, "PG_swapbacked");
    r.pg_slab = flag_bit(info, "PG_slab");
    r.pg_hwpoison = flag_bit(info, "PG_hwpoison");
    r.pg_hugetlb = flag_bit(info, "PG_hugetlb");
    r.pg_buddy = flag_bit(info, "PG_buddy");
    r.mc_buddy = mapcount_value(info, "PAGE_BUDDY_MAPCOUNT_VALUE");
    r.mc_slab = mapcount_value(info, "PAGE_SLAB_MAPCOUNT_VALUE");
    r.mc_hugetlb = mapcount_value(info, "PAGE_HUGETLB_MAPCOUNT_VALUE");
    r.mc_offline = mapcount_value(info, "PAGE_OFFLINE_MAPCOUNT_VALUE");
    r.mc_unaccepted = mapcount_value(info, "PAGE_UNACCEPTED_MAPCOUNT_VALUE");
    if (auto n = info.length("zone.free_area"); n && *n >= 1 && *n <= 64) r.free_area_length = *n;

    // Compound order: the newest source the kernel exports wins, as in makedumpfile 1.7.9.
    if (r.mc_hugetlb && r.off_mapcount) {
        r.compound = CompoundSource::flags1_mapcount;
    } else if (r.pg_hugetlb) {
        r.compound = CompoundSource::flags1_pg_hugetlb;
    } else {
        // 6.3-6.5 export folio members (offsets from the folio, i.e. the head struct page);
        // earlier kernels the page members of the first tail.
        auto folio_order = info.offset("folio._folio_order");
        auto folio_dtor = info.offset("folio._folio_dtor");
        if (folio_order && *folio_order >= *size && *folio_order - *size < *size - 1)
            r.order_offset = static_cast<uint32_t>(*folio_order - *size);
        else
            r.order_offset = small_offset(info, "page.compound_order", *size - 1);
        if (folio_dtor && *folio_dtor >= *size && *folio_dtor - *size < *size - 1)
            r.dtor_offset = static_cast<uint32_t>(*folio_dtor - *size);
        else
            r.dtor_offset = small_offset(info, "page.compound_dtor", *size - 1);
        // Field widths: u8 order right after a u8 dtor since 4.16; u16 pairs from 4.4 to 4.15. The
        // layout says which (makedumpfile asks the version string instead).
        if (r.order_offset && r.dtor_offset && *r.order_offset == *r.dtor_offset + 2) r.order_width = r.dtor_width = 2;
        if (r.order_offset) r.compound = CompoundSource::fields;
        if (auto d = info.number("HUGETLB_PAGE_DTOR"); d && *d != -1) r.hugetlb_dtor = static_cast<uint64_t>(*d);
        r.free_huge_page = info.symbol("free_huge_page");
    }
    if (r.head_mask == 0) r.compound = CompoundSource::none;

    // A line for `disabled` when the level asks for the pages it names (see from() in the header).
    auto note = [&](int bits, const std::string& line) {
        if (level & bits) disabled.push_back(line);
    };
    // Fallbacks where makedumpfile 1.7.9's get_value_for_old_linux() fills in a missing number,
    // taken only where the exported numbers show its value holds (see docs/kernel-versions.md).
    // PG_swapbacked: kernels 4.10+ moved PG_swapcache onto PG_owner_priv_1, below PG_private,
    // with PG_swapbacked at PG_private + 6; a kernel that says so but not PG_swapbacked would make
    // every PG_owner_priv_1 page (PG_checked, PG_pinned, ...) look like swap cache.
    if (!r.pg_swapbacked && r.pg_swapcache && r.pg_private && *r.pg_swapcache < *r.pg_private &&
        *r.pg_private + 6 <= 63) {
        r.pg_swapbacked = *r.pg_private + 6;
        note(kLevelCache | kLevelCachePrivate,
             "pages with PG_swapcache but without PG_swapbacked, taken as bit " + std::to_string(*r.pg_swapbacked) +
                 " (no NUMBER(PG_swapbacked); PG_swapcache < PG_private: makedumpfile's PG_private + 6)");
    }
    // PG_slab: neither the flag nor the page type (6.10+) exported. makedumpfile takes bit 7, its
    // PG_slab_ORIGINAL; that is only right in the old flag layout its constants come from, which
    // the kernel shows by exporting exactly those PG_lru/PG_private/PG_swapcache numbers.
    bool has_slab_test = r.pg_slab.has_value() || (r.mc_slab && r.off_mapcount);
    if (!has_slab_test && r.pg_lru == kPgLruOriginal && r.pg_private == kPgPrivateOriginal &&
        r.pg_swapcache == kPgSwapcacheOriginal) {
        r.pg_slab = kPgSlabOriginal;
        has_slab_test = true;
        note(kLevelUser, "slab pages found by page flag bit 7 (neither NUMBER(PG_slab) nor "
                         "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE); PG_lru=5, PG_private=11, PG_swapcache=15 is the layout "
                         "with makedumpfile's PG_slab 7)");
    }
    // Compound order: without it a large folio counts as its head page alone, and the tails are
    // kept (makedumpfile 1.7.9 does the same; 1.7.2 does it on every 6.3+ kernel).
    if (r.head_mask == 0)
        note(kLevelCache | kLevelCachePrivate | kLevelUser,
             "tail pages of large folios (no NUMBER(PG_head_mask): a folio's head is taken as one page)");
    else if (r.compound == CompoundSource::none)
        note(kLevelCache | kLevelCachePrivate | kLevelUser,
             "tail pages of large folios (no folio order: none of NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE), "
             "NUMBER(PG_hugetlb), OFFSET(folio._folio_order), OFFSET(page.compound_order))");

    auto want = [&](int bit, bool available, const std::string& what, const std::string& why) {
        if (!(level & bit)) return false;
        if (!available) disabled.push_back(what + " (" + why + ")");
        return available;
    };
    const bool buddy_v3 = r.off_private && r.off_mapcount && r.mc_buddy;
    const bool buddy_v2 = r.off_private && !r.mc_buddy && r.pg_buddy;
    r.exclude_free = want(kLevelFree, buddy_v3 || buddy_v2, "free pages",
                          "no OFFSET(page.private), OFFSET(page._mapcount) and NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)");
    r.exclude_unaccepted = (level & kLevelFree) && r.mc_unaccepted && r.off_mapcount && r.free_area_length;
    const bool cache_keys = r.pg_lru && r.pg_private && r.pg_swapcache;
    r.exclude_cache = want(kLevelCache, cache_keys, "cache pages", "no NUMBER(PG_lru|PG_private|PG_swapcache)");
    r.exclude_cache_private =
        want(kLevelCachePrivate, cache_keys, "private cache pages", "no NUMBER(PG_lru|PG_private|PG_swapcache)");
    r.exclude_user = want(kLevelUser, has_slab_test, "user pages",
                          "neither NUMBER(PG_slab) nor NUMBER(PAGE_SLAB_MAPCOUNT_VALUE), and page flags not in the "
                          "layout of makedumpfile's bit-7 fallback: slab pages would look anonymous");
    r.exclude_hwpoison = r.pg_hwpoison.has_value();
    // Offline pages are the last rule of the chain, so they go whenever makedumpfile walks at all:
    // its create_2nd_bitmap() walks for levels 2/4/8, for 16 with a buddy test, or when the kernel
    // exports PG_hwpoison (then even at levels 0 and 1).
    const bool walks = (level & (kLevelCache | kLevelCachePrivate | kLevelUser)) != 0 || r.exclude_hwpoison ||
                       ((level & kLevelFree) && (buddy_v3 || buddy_v2));
    r.exclude_offline = walks && r.mc_offline && r.off_mapcount;
    return r;
}

}  // namespace kdf::filter
