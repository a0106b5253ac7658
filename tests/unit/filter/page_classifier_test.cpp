// The classifier on hand-made struct pages, with the VMCOREINFO numbers of the real 6.1 and 6.12
// kernels: each of makedumpfile's rules, their order, and which keys switch which rule on.
#include "core/filter/page_classifier.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "core/vmcore/le_bytes.h"

namespace kdf::filter {
namespace {

// The page-related lines of the Debian 6.1 fixture's VMCOREINFO.
const char* kInfo61 =
    "PAGESIZE=4096\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"
    "OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\nOFFSET(page.compound_dtor)=16\n"
    "OFFSET(page.compound_order)=17\nOFFSET(page.compound_head)=8\nLENGTH(zone.free_area)=11\n"
    "NUMBER(PG_lru)=4\nNUMBER(PG_private)=13\nNUMBER(PG_swapcache)=10\nNUMBER(PG_swapbacked)=19\nNUMBER(PG_slab)=9\n"
    "NUMBER(PG_hwpoison)=23\nNUMBER(PG_head_mask)=65536\nNUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
    "NUMBER(HUGETLB_PAGE_DTOR)=2\nNUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";
// ... and of the Debian 6.12 fixture (page types in the top byte, slab a page type, no PG_slab).
const char* kInfo612 =
    "PAGESIZE=4096\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24\n"
    "OFFSET(page.lru)=8\nOFFSET(page._mapcount)=48\nOFFSET(page.private)=40\nOFFSET(page.compound_head)=8\n"
    "LENGTH(zone.free_area)=11\nNUMBER(PG_lru)=5\nNUMBER(PG_private)=14\nNUMBER(PG_swapcache)=10\n"
    "NUMBER(PG_swapbacked)=17\nNUMBER(PG_hwpoison)=20\nNUMBER(PG_head_mask)=64\n"
    "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456\nNUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592\n"
    "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240\nNUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376\n";

PageRules rules(const char* text, int level, std::vector<std::string>* disabled = nullptr) {
    auto info = vmcore::VmcoreInfo::parse(text);
    EXPECT_TRUE(info.is_ok());
    std::vector<std::string> d;
    auto r = PageRules::from(info.value(), level, disabled ? *disabled : d);
    EXPECT_TRUE(r.is_ok()) << r.status().message();
    return r.value();
}

struct Pages {
    std::array<std::byte, 128> b{};  // a struct page and the one after it
    Pages& flags(uint64_t v) { vmcore::store_le64(b.data(), v); return *this; }
    Pages& mapping(uint64_t v) { vmcore::store_le64(b.data() + 24, v); return *this; }
    Pages& mapcount(int64_t v) { vmcore::store_le32(b.data() + 48, static_cast<uint32_t>(v)); return *this; }
    Pages& priv(uint64_t v) { vmcore::store_le64(b.data() + 40, v); return *this; }
    Pages& compound_head(uint64_t v) { vmcore::store_le64(b.data() + 8, v); return *this; }
    Pages& next_flags(uint64_t v) { vmcore::store_le64(b.data() + 64, v); return *this; }
    Pages& next_byte(size_t off, uint8_t v) { b[64 + off] = std::byte{v}; return *this; }
    PageVerdict at(const PageRules& r, uint64_t pfn, bool with_next = true) const {
        return classify_page(r, b.data(), with_next ? b.data() + 64 : nullptr, pfn);
    }
};

TEST(PageClassifier, BuddyPageExcludesItsWholeOrderAtLevel16Only) {
    Pages p;
    p.mapcount(-129).priv(3);
    EXPECT_EQ(p.at(rules(kInfo61, 16), 8).cls, PageClass::free);
    EXPECT_EQ(p.at(rules(kInfo61, 16), 8).pages, 8u);
    EXPECT_EQ(p.at(rules(kInfo61, 15), 8).cls, PageClass::kept);
    p.priv(11);  // beyond LENGTH(zone.free_area) - 1: makedumpfile warns and keeps it
    EXPECT_EQ(p.at(rules(kInfo61, 31), 8).cls, PageClass::kept);
    EXPECT_TRUE(p.at(rules(kInfo61, 31), 8).bad_free_order);
}

TEST(PageClassifier, CompoundTailIsSkippedWhateverItLooksLike) {
    Pages p;
    p.compound_head(0xffffea0000001001ULL).mapping(1).mapcount(-129);
    EXPECT_EQ(p.at(rules(kInfo61, 31), 9).cls, PageClass::tail);
}

TEST(PageClassifier, CachePagesPrivateOnlyAtLevel4) {
    Pages p;
    p.flags(1ULL << 4).mapping(0xffff888001234560ULL);  // PG_lru, file mapping
    EXPECT_EQ(p.at(rules(kInfo61, 2), 5).cls, PageClass::cache);
    p.flags((1ULL << 4) | (1ULL << 13));  // + PG_private
    EXPECT_EQ(p.at(rules(kInfo61, 2), 5).cls, PageClass::kept);
    EXPECT_EQ(p.at(rules(kInfo61, 4), 5).cls, PageClass::cache_private);
    // Swap cache counts only with PG_swapbacked.
    p.flags(1ULL << 10);
    EXPECT_EQ(p.at(rules(kInfo61, 2), 5).cls, PageClass::kept);
    p.flags((1ULL << 10) | (1ULL << 19));
    EXPECT_EQ(p.at(rules(kInfo61, 2), 5).cls, PageClass::cache);
}

TEST(PageClassifier, AnonymousLruPageIsUserDataNotCache) {
    Pages p;
    p.flags(1ULL << 4).mapping(0xffff888001234561ULL);  // PG_lru, anon_vma | 1
    EXPECT_EQ(p.at(rules(kInfo61, 6), 5).cls, PageClass::kept);
    EXPECT_EQ(p.at(rules(kInfo61, 8), 5).cls, PageClass::user);
}

TEST(PageClassifier, AnonymousThpHeadExcludesItsTailsFromTheNextStructPage61) {
    Pages p;
    p.flags(1ULL << 16).mapping(0xffff888001234561ULL).next_byte(17, 9);  // PG_head, order 9 in compound_order
    EXPECT_EQ(p.at(rules(kInfo61, 8), 512).pages, 512u);
    // Misaligned for its order: one page, as makedumpfile does.
    EXPECT_EQ(p.at(rules(kInfo61, 8), 513).pages, 1u);
    // Not looked up at pfn % 512 == 511 (outside makedumpfile's cache) or without the next page.
    EXPECT_EQ(p.at(rules(kInfo61, 8), 512, false).pages, 1u);
}

TEST(PageClassifier, HugetlbByDtorIsUserData61) {
    Pages p;
    p.flags(1ULL << 16).next_byte(16, 2).next_byte(17, 9);  // HUGETLB_PAGE_DTOR 2, order 9
    EXPECT_EQ(p.at(rules(kInfo61, 8), 1024).cls, PageClass::user);
    EXPECT_EQ(p.at(rules(kInfo61, 8), 1024).pages, 512u);
}

TEST(PageClassifier, FolioOrderFromFlags1AndSlabAsPageType612) {
    Pages p;
    p.flags(1ULL << 6).mapping(0xffff888001234561ULL).next_flags(9);  // PG_head (mask 64), order 9 in _flags_1
    EXPECT_EQ(p.at(rules(kInfo612, 8), 512).pages, 512u);
    // A slab page whose mapping slot is odd is not anonymous (issue 8's 1.7.2 defect).
    Pages s;
    s.mapping(0xffff888001234561ULL).mapcount(-184549376);
    EXPECT_EQ(s.at(rules(kInfo612, 31), 7).cls, PageClass::kept);
    Pages h;
    h.flags(1ULL << 6).mapcount(-201326592).next_flags(9);  // hugetlb page type, order 9
    EXPECT_EQ(h.at(rules(kInfo612, 8), 512).cls, PageClass::user);
}

TEST(PageClassifier, HwpoisonAndOfflineGoAtEveryLevel) {
    Pages p;
    p.flags(1ULL << 23);
    EXPECT_EQ(p.at(rules(kInfo61, 0), 3).cls, PageClass::hwpoison);
    Pages o;
    o.mapcount(-257);
    EXPECT_EQ(o.at(rules(kInfo61, 1), 3).cls, PageClass::offline);
}

TEST(PageRulesFromVmcoreinfo, MissingKeysSwitchRulesOffAndSaySo) {
    std::string text = kInfo61;
    text.replace(text.find("NUMBER(PG_lru)"), 14, "NUMBER(PG_lrX)");
    std::vector<std::string> disabled;
    PageRules r = rules(text.c_str(), 31, &disabled);
    EXPECT_FALSE(r.exclude_cache);
    EXPECT_FALSE(r.exclude_cache_private);
    EXPECT_TRUE(r.exclude_free);
    EXPECT_TRUE(r.exclude_user);
    ASSERT_EQ(disabled.size(), 2u);
    EXPECT_NE(disabled[0].find("cache pages"), std::string::npos);
    // Without a slab test user data is not filtered (a slab page could look anonymous).
    text = kInfo61;
    text.replace(text.find("NUMBER(PG_slab)"), 15, "NUMBER(PG_slaX)");
    disabled.clear();
    EXPECT_FALSE(rules(text.c_str(), 8, &disabled).exclude_user);
    EXPECT_EQ(disabled.size(), 1u);
    // Levels 0 and 1 ask nothing, so nothing is reported.
    disabled.clear();
    rules(text.c_str(), 1, &disabled);
    EXPECT_TRUE(disabled.empty());
}

// `text` with the line of `key` set to `key=value`, or dropped when `value` is empty.
std::string with(std::string text, const std::string& key, const std::string& value = "") {
    const size_t at = text.find(key + "=");
    EXPECT_NE(at, std::string::npos) << key;
    if (at == std::string::npos) return text;
    const size_t end = text.find('\n', at) + 1;
    return text.replace(at, end - at, value.empty() ? "" : key + "=" + value + "\n");
}

bool said(const std::vector<std::string>& lines, const std::string& what) {
    for (const auto& l : lines)
        if (l.find(what) != std::string::npos) return true;
    return false;
}

// makedumpfile 1.7.9 derives PG_swapbacked as PG_private + 6 when the kernel exports PG_swapcache
// below PG_private (the 4.10+ layout, where PG_swapcache is PG_owner_priv_1) but not PG_swapbacked.
TEST(PageRulesFallback, SwapbackedFromPgPrivateWhenSwapcacheIsBelowIt) {
    const std::string text = with(kInfo61, "NUMBER(PG_swapbacked)");  // PG_swapcache 10 < PG_private 13
    std::vector<std::string> notes;
    const PageRules r = rules(text.c_str(), 2, &notes);
    ASSERT_EQ(r.pg_swapbacked, 19);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(said(notes, "PG_swapcache but without PG_swapbacked, taken as bit 19")) << notes[0];
    Pages p;
    p.flags(1ULL << 10);  // PG_owner_priv_1 alone: a filesystem's flag, not swap cache
    EXPECT_EQ(p.at(r, 5).cls, PageClass::kept);
    p.flags((1ULL << 10) | (1ULL << 19));
    EXPECT_EQ(p.at(r, 5).cls, PageClass::cache);
    // Said only when the level asks for cache pages.
    notes.clear();
    rules(text.c_str(), 8, &notes);
    EXPECT_TRUE(notes.empty());
    // The old layout (PG_swapcache above PG_private) had no PG_swapbacked: the bit alone is swap cache.
    const std::string old = with(with(text, "NUMBER(PG_swapcache)", "15"), "NUMBER(PG_private)", "11");
    notes.clear();
    const PageRules o = rules(old.c_str(), 2, &notes);
    EXPECT_FALSE(o.pg_swapbacked);
    EXPECT_TRUE(notes.empty());
    p.flags(1ULL << 15);
    EXPECT_EQ(p.at(o, 5).cls, PageClass::cache);
}

// Neither NUMBER(PG_slab) nor the slab page type: makedumpfile takes bit 7 (PG_slab_ORIGINAL). We do
// only when PG_lru/PG_private/PG_swapcache are that layout's 5/11/15; otherwise user pages stay in.
TEST(PageRulesFallback, SlabFromBit7OnlyInTheLayoutWhereItHolds) {
    std::string old = with(kInfo61, "NUMBER(PG_slab)");
    old = with(with(with(old, "NUMBER(PG_lru)", "5"), "NUMBER(PG_private)", "11"), "NUMBER(PG_swapcache)", "15");
    old = with(old, "NUMBER(PG_swapbacked)");
    std::vector<std::string> notes;
    const PageRules r = rules(old.c_str(), 8, &notes);
    EXPECT_TRUE(r.exclude_user);
    EXPECT_EQ(r.pg_slab, 7);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(said(notes, "slab pages found by page flag bit 7")) << notes[0];
    Pages p;
    p.mapping(0xffff888001234561ULL);
    EXPECT_EQ(p.at(r, 5).cls, PageClass::user);
    p.flags(1ULL << 7);  // PG_slab in that layout: its odd mapping slot is not an anon_vma
    EXPECT_EQ(p.at(r, 5).cls, PageClass::kept);
    // 6.12 without its slab page type: bit 7 is PG_waiters there, so no guess and no level 8.
    notes.clear();
    const PageRules n = rules(with(kInfo612, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)").c_str(), 8, &notes);
    EXPECT_FALSE(n.exclude_user);
    EXPECT_FALSE(n.pg_slab);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(said(notes, "user pages (neither NUMBER(PG_slab) nor NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)")) << notes[0];
}

// No folio order exported (a 6.6+ kernel without CONFIG_HUGETLB_PAGE exports neither
// PAGE_HUGETLB_MAPCOUNT_VALUE nor PG_hugetlb): a folio is its head page alone, as in makedumpfile
// 1.7.9, and the tails it keeps are said.
TEST(PageRulesFallback, NoFolioOrderKeepsTailsAndSaysSo) {
    const std::string text = with(kInfo612, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)");
    std::vector<std::string> notes;
    const PageRules r = rules(text.c_str(), 8, &notes);
    EXPECT_EQ(r.compound, PageRules::CompoundSource::none);
    EXPECT_TRUE(r.exclude_user);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_TRUE(said(notes, "tail pages of large folios (no folio order")) << notes[0];
    Pages p;
    p.flags(1ULL << 6).mapping(0xffff888001234561ULL).next_flags(9);
    EXPECT_EQ(p.at(r, 512).cls, PageClass::user);
    EXPECT_EQ(p.at(r, 512).pages, 1u);
    // Level 16 (free pages use page.private, not the folio order) says nothing.
    notes.clear();
    rules(text.c_str(), 16, &notes);
    EXPECT_TRUE(notes.empty());
    // 6.1 without page.compound_order: the same; without PG_head_mask the line names that.
    notes.clear();
    EXPECT_EQ(rules(with(kInfo61, "OFFSET(page.compound_order)").c_str(), 2, &notes).compound,
              PageRules::CompoundSource::none);
    EXPECT_TRUE(said(notes, "no folio order")) << (notes.empty() ? "" : notes[0]);
    notes.clear();
    rules(with(kInfo61, "NUMBER(PG_head_mask)").c_str(), 4, &notes);
    EXPECT_TRUE(said(notes, "no NUMBER(PG_head_mask)")) << (notes.empty() ? "" : notes[0]);
}

TEST(PageRulesFromVmcoreinfo, NoStructPageLayoutIsAnError) {
    auto info = vmcore::VmcoreInfo::parse("PAGESIZE=4096\nOFFSET(page.flags)=0\n");
    ASSERT_TRUE(info.is_ok());
    std::vector<std::string> d;
    auto r = PageRules::from(info.value(), 31, d);
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("SIZE(page)"), std::string::npos);
}

}  // namespace
}  // namespace kdf::filter
