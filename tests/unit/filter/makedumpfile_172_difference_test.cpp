// Why our level-8 page set differs from Debian's makedumpfile 1.7.2 on the real Debian 6.12 crash.
//
// Ours equals upstream makedumpfile 1.7.9 there (real_fixture_agreement_test.cpp, and checked
// again below). 1.7.2 predates the kernel changes of 6.3 to 6.12 and is wrong in two known ways
// (docs/kernel-versions.md):
//   (a) it keeps the tail pages of every anonymous large folio: the folio order lives in the next
//       struct page's _flags_1 since 6.6 (6.3-6.5: folio._folio_order), which it cannot read, so
//       it excludes the head as a single anonymous page and leaves the tails;
//   (b) it drops slab pages whose mapping slot is odd (struct slab overlays it since 6.2) as
//       anonymous user pages: slab is a page type in _mapcount since 6.10 (top byte since 6.12),
//       and 1.7.2 has no slab test in isAnon() at all.
// Every pfn where 1.7.2's 2nd bitmap differs from ours must be explained by exactly one of them,
// decided from the struct page with our own mem_map and classifier; none may be left over.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/filter/page_classifier.h"
#include "core/filter/page_filter.h"
#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

const std::string kMakedumpfile = "/usr/bin/makedumpfile";

std::string command_output(const std::string& cmd) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    if (!p) return out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p.get())) out += buf;
    return out;
}

// What one differing pfn is, as far as the two known 1.7.2 defects go.
struct Explanation {
    bool thp_tail = false;  // (a): a tail of an anonymous folio our rules exclude whole
    uint64_t head = 0;      //      its head pfn
    uint64_t folio_pages = 0;
    bool odd_slab = false;  // (b): a slab page (page type) with mapping bit 0 set, which we keep
    std::string problem;    // why neither could be decided
};

Explanation explain(const PageFilter& f, uint64_t pfn) {
    Explanation e;
    const PageRules& r = f.rules();
    const uint64_t ss = r.struct_size;
    std::vector<std::byte> page(ss), head(2 * ss);
    if (Status s = f.read_struct_pages(pfn, page); !s.is_ok()) {
        e.problem = s.message();
        return e;
    }
    const PageFacts facts = page_facts(r, page.data());
    if (facts.tail()) {
        auto h = f.layout().pfn_of_struct_page(facts.head_struct_page(), ss);
        if (!h) {
            e.problem = "its compound_head points at no struct page";
            return e;
        }
        if (Status s = f.read_struct_pages(*h, head); !s.is_ok()) {
            e.problem = "its head: " + s.message();
            return e;
        }
        const PageVerdict v = classify_page(r, head.data(), head.data() + ss, *h);
        e.thp_tail = page_facts(r, head.data()).anon && v.cls == PageClass::user && *h < pfn && pfn < *h + v.pages;
        e.head = *h;
        e.folio_pages = v.pages;
    }
    // No next struct page needed: a page that is not a compound head classifies alone.
    e.odd_slab = !facts.tail() && facts.slab && (facts.mapping & 1) != 0 &&
                 classify_page(r, page.data(), nullptr, pfn).cls == PageClass::kept;
    return e;
}

TEST(Makedumpfile172Difference, EveryLevel8DifferenceOn612IsAThpTailOrAnOddSlabPage) {
    const std::string version = command_output(kMakedumpfile + " -v 2>&1");
    ASSERT_NE(version.find("version 1.7.2 "), std::string::npos)
        << kMakedumpfile << " is not Debian's 1.7.2, whose defects this test explains: " << version;
    const std::string fixture = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.12-c";
    auto core = vmcore::ElfVmcore::open(fixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();

    kdf::test::TempDir dir("kdf-mdf172");
    const std::string theirs_path = dir / "d8";
    ASSERT_EQ(std::system((kMakedumpfile + " -c -d 8 --message-level 0 " + fixture + " " + theirs_path +
                           " >/dev/null 2>&1").c_str()),
              0);
    const Bitmap theirs = kdump_bitmap2(theirs_path);
    std::remove(theirs_path.c_str());
    const FilterRun ours = filter_bitmap(core.value(), 8);
    ASSERT_TRUE(ours.open_error.empty()) << ours.open_error;
    Bitmap ref;
    ref.bytes = read_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.12-c.d8.bitmap2");
    const BitmapDiff vs_ref = diff(ours.bitmap, ref);
    ASSERT_TRUE(!ref.bytes.empty() && vs_ref.ours_only_count + vs_ref.theirs_only_count == 0)
        << "ours must equal upstream 1.7.9 here: " << describe(vs_ref);
    ASSERT_EQ(theirs.bytes.size(), ours.bitmap.bytes.size());

    const format::PageSet pages(core->phys_map(), core->vmcoreinfo().page_size().value_or(4096));
    std::vector<std::string> disabled;
    auto f = PageFilter::open(core.value(), 8, pages.max_mapnr(), disabled);
    ASSERT_TRUE(f.is_ok()) << f.status().message();
    ASSERT_TRUE(f.value());

    uint64_t thp_tails = 0, odd_slabs = 0;
    std::map<uint64_t, uint64_t> tails_per_head;  // head pfn -> tails 1.7.2 kept
    std::map<uint64_t, uint64_t> folio_pages;     // head pfn -> pages of its folio
    std::vector<std::string> unexplained;
    for (uint64_t pfn = 0; pfn < ours.bitmap.bytes.size() * 8; ++pfn) {
        const bool we_keep = ours.bitmap.get(pfn), they_keep = theirs.get(pfn);
        if (we_keep == they_keep) continue;
        const Explanation e = explain(*f.value(), pfn);
        // (a) only where 1.7.2 keeps what we exclude, (b) only the other way round; never both.
        const bool a = e.thp_tail && they_keep && !we_keep;
        const bool b = e.odd_slab && we_keep && !they_keep;
        if (a == b || e.thp_tail + e.odd_slab != 1) {
            if (unexplained.size() < 8) {
                char line[160];
                std::snprintf(line, sizeof line, "pfn 0x%llx (%s by 1.7.2; tail of anon folio %d, odd slab %d%s%s)",
                              static_cast<unsigned long long>(pfn), they_keep ? "kept" : "dropped", e.thp_tail,
                              e.odd_slab, e.problem.empty() ? "" : ": ", e.problem.c_str());
                unexplained.push_back(line);
            }
            continue;
        }
        if (a) {
            ++thp_tails;
            ++tails_per_head[e.head];
            folio_pages[e.head] = e.folio_pages;
        } else {
            ++odd_slabs;
        }
    }
    std::string list;
    for (const auto& u : unexplained) list += "\n  " + u;
    EXPECT_TRUE(unexplained.empty()) << "differences neither defect explains:" << list;
    EXPECT_GT(thp_tails, 0u);
    EXPECT_GT(odd_slabs, 0u);
    // 1.7.2 keeps every tail of each folio it mis-sizes, not some: (a) is the whole defect.
    for (const auto& [head, n] : tails_per_head)
        EXPECT_EQ(n, folio_pages[head] - 1) << "folio at pfn " << head << " of " << folio_pages[head] << " pages";
    std::printf("makedumpfile 1.7.2 -d 8 vs ours on vmcore-6.12-c: %llu tail pages of %zu anonymous folios kept "
                "only by 1.7.2, %llu slab pages with an odd mapping slot dropped only by 1.7.2\n",
                static_cast<unsigned long long>(thp_tails), tails_per_head.size(),
                static_cast<unsigned long long>(odd_slabs));
}

}  // namespace
}  // namespace kdf::filter::test
