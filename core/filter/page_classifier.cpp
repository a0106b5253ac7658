// core/filter/page_classifier.cpp - see page_classifier.h.
#include "core/filter/page_classifier.h"

#include "core/vmcore/le_bytes.h"

namespace kdf::filter {
namespace {

using vmcore::load_le16;
using vmcore::load_le32;
using vmcore::load_le64;

constexpr uint64_t kIsHugetlb = ~0ULL;  // makedumpfile's IS_HUGETLB dtor marker

// makedumpfile's test_bit(): an int mask of bit (nr & 31) against the flags word. PG_* numbers are
// below 32 on every kernel, so this is the plain bit test; kept literal so the rule stays theirs.
bool test_bit(int nr, uint64_t flags) {
    const uint32_t mask = 1u << (nr & 0x1f);
    return (static_cast<uint64_t>(mask) & flags) != 0;
}

bool flag(const std::optional<int>& nr, uint64_t flags) { return nr && test_bit(*nr, flags); }

bool is_cache(const PageRules& r, const PageFacts& f) {
    if (flag(r.pg_lru, f.flags)) return true;
    // PG_swapcache means swap cache only together with PG_swapbacked (kernels 4.10+, which export it).
    return (!r.pg_swapbacked || flag(r.pg_swapbacked, f.flags)) && flag(r.pg_swapcache, f.flags);
}

bool is_buddy(const PageRules& r, const PageFacts& f) {
    if (r.mc_buddy) return !f.slab && f.mapcount == *r.mc_buddy;
    return r.pg_buddy && ((f.flags >> *r.pg_buddy) & 1) != 0;
}

uint64_t read_width(const std::byte* p, unsigned width) {
    return width == 2 ? load_le16(p) : std::to_integer<uint64_t>(p[0]);
}

}  // namespace

PageFacts page_facts(const PageRules& r, const std::byte* page) {
    PageFacts f;
    f.flags = load_le64(page + r.off_flags);
    f.mapping = load_le64(page + r.off_mapping);
    if (r.off_mapcount) f.mapcount = load_le32(page + *r.off_mapcount);
    if (r.off_private) f.priv = load_le64(page + *r.off_private);
    if (r.off_compound_head) f.compound_head = load_le64(page + *r.off_compound_head);
    f.slab = (r.mc_slab && r.off_mapcount && f.mapcount == *r.mc_slab) ||
             (r.pg_slab && ((f.flags >> *r.pg_slab) & 1) != 0);
    f.anon = (f.mapping & 1) != 0 && !f.slab;
    return f;
}

PageVerdict classify_page(const PageRules& r, const std::byte* page, const std::byte* next, uint64_t pfn) {
    const PageFacts f = page_facts(r, page);

    uint64_t order = 0;
    uint64_t dtor = 0;
    if (next != nullptr && r.head_mask != 0 && (f.flags & r.head_mask) != 0) {
        switch (r.compound) {
        case PageRules::CompoundSource::flags1_mapcount:
            order = load_le64(next + r.off_flags) & 0xff;
            if (f.mapcount == *r.mc_hugetlb) dtor = kIsHugetlb;
            break;
        case PageRules::CompoundSource::flags1_pg_hugetlb: {
            const uint64_t flags1 = load_le64(next + r.off_flags);
            order = flags1 & 0xff;
            if ((flags1 >> *r.pg_hugetlb) & 1) dtor = kIsHugetlb;
            break;
        }
        case PageRules::CompoundSource::fields:
            if (r.order_offset) order = read_width(next + *r.order_offset, r.order_width);
            if (r.dtor_offset) dtor = read_width(next + *r.dtor_offset, r.dtor_width);
            break;
        case PageRules::CompoundSource::none:
            break;
        }
        if (order >= 64 || (pfn & ((1ULL << order) - 1)) != 0) order = 0;  // not a valid head: one page
    }
    const bool hugetlb = dtor == kIsHugetlb || (r.hugetlb_dtor && dtor == *r.hugetlb_dtor) ||
                         (r.free_huge_page && dtor == *r.free_huge_page);

    PageVerdict v;
    v.pages = 1ULL << order;
    if (f.tail()) {
        v.cls = PageClass::tail;
        v.pages = 1;
    } else if (r.exclude_free && is_buddy(r, f)) {
        if (r.free_area_length && f.priv >= *r.free_area_length) {
            v.bad_free_order = true;  // makedumpfile warns and keeps the page
            v.pages = 1;
            return v;
        }
        if (f.priv >= 64) {  // no LENGTH(zone.free_area) to check against: never trust a wild order
            v.bad_free_order = true;
            v.pages = 1;
            return v;
        }
        v.cls = PageClass::free;
        v.pages = 1ULL << f.priv;
    } else if (r.exclude_unaccepted && f.mapcount == *r.mc_unaccepted) {
        v.cls = PageClass::free;
        v.pages = 1ULL << (*r.free_area_length - 1);
    } else if (r.exclude_cache && is_cache(r, f) && !flag(r.pg_private, f.flags) && !f.anon) {
        v.cls = PageClass::cache;
    } else if (r.exclude_cache_private && is_cache(r, f) && !f.anon) {
        v.cls = flag(r.pg_private, f.flags) ? PageClass::cache_private : PageClass::cache;
    } else if (r.exclude_user && (f.anon || hugetlb)) {
        v.cls = PageClass::user;
    } else if (r.exclude_hwpoison && flag(r.pg_hwpoison, f.flags)) {
        v.cls = PageClass::hwpoison;
    } else if (r.exclude_offline && !f.slab && f.mapcount == *r.mc_offline) {
        v.cls = PageClass::offline;
    } else {
        v.cls = PageClass::kept;
        v.pages = 1;
    }
    return v;
}

}  // namespace kdf::filter
