// core/filter/page_filter.h - which present pages a dump level drops, window by window.
//
// The 2nd bitmap of a kdump file is needed twice: its population count before the first page
// (it sizes the descriptor table), and the bits themselves while pages are written. Like
// makedumpfile's cyclic mode we do not keep it: a Cursor classifies the mem_map in windows of
// kWindowPages pfns, strictly ascending, and the dump job runs two cursors - one to count, one
// while writing. Classification is a pure function of the dump, so both passes agree (the kdump
// writer checks the count at finish()).
//
// Memory per cursor: one window bitmap (32 KiB) and one struct page block (kBlockPages x
// SIZE(page) = 256 KiB at 64-byte pages); per filter: the section chunk list (mem_map.h). Nothing
// grows with the dump size except the chunk list (192 KiB at 1 TiB).
//
// Semantics are makedumpfile's single-pass ones: a multi-page exclusion (free block, folio)
// clears its whole range even across a window edge, and the pages inside it are not classified
// again within the same mem_map chunk; each chunk (section) restarts classification at its
// first pfn. Pfns outside every PT_LOAD are skipped, as makedumpfile's is_in_segs() skips them.
//
// Bad input never makes a page disappear: a struct page that cannot be read (vmemmap unmapped,
// page tables pointing outside the dump) leaves its pfn unclassified, i.e. kept, and is counted
// so the caller can warn once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/filter/mem_map.h"
#include "core/filter/page_classifier.h"
#include "core/filter/page_rules.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::filter {

class PageFilter {
public:
    static constexpr uint64_t kWindowPages = 1ULL << 18;  // 1 GiB of 4 KiB pages; a multiple of 512
    static constexpr uint64_t kBlockPages = 4096;         // struct pages per mem_map read

    // Prepares filtering of pfns [0, max_mapnr) at dump level `level`. Rules the level asks for
    // but the kernel's VMCOREINFO cannot support are appended to `disabled`. Returns nullptr when
    // no rule applies (nothing to walk, e.g. level 0 or 1 on a kernel without PG_hwpoison); an
    // error when pages cannot be classified at all (no VMCOREINFO, no struct page layout, no
    // usable mem_section): the caller then dumps as at level 0 and says so.
    static Result<std::unique_ptr<PageFilter>> open(const vmcore::ElfVmcore& core, int level, uint64_t max_mapnr,
                                                    std::vector<std::string>& disabled);

    const PageRules& rules() const noexcept { return rules_; }
    const MemMapLayout& layout() const noexcept { return layout_; }
    const arch::KernelMemory& memory() const noexcept { return mem_; }

    // Reads the struct pages of pfns [pfn, pfn + out.size() / SIZE(page)) into `out`, for callers
    // that must say why a page is kept or excluded (page_facts(), classify_page()). The range must
    // lie in one mem_map chunk: Code::not_found otherwise; a failed translation or read is its error.
    Status read_struct_pages(uint64_t pfn, std::span<std::byte> out) const;

    class Cursor {
    public:
        explicit Cursor(const PageFilter& filter);

        // True when `pfn` is dropped by the level. Calls must not go back to a lower pfn.
        bool excluded(uint64_t pfn) {
            if (pfn >= hi_) advance(pfn);
            const uint64_t i = pfn - lo_;
            return ((bits_[i >> 6] >> (i & 63)) & 1) != 0;
        }

        // Pfns inside a mem_map chunk whose struct page could not be read (kept).
        uint64_t unclassified() const noexcept { return unclassified_; }
        // Buddy pages with an order beyond LENGTH(zone.free_area) (kept, as makedumpfile does).
        uint64_t bad_free_orders() const noexcept { return bad_free_orders_; }
        // The first read error, for the warning line; empty if none.
        const std::string& first_error() const noexcept { return first_error_; }

    private:
        void advance(uint64_t pfn);
        void process_window();
        void walk(const MemMapChunk& chunk, uint64_t start, uint64_t stop);
        void read_block(const MemMapChunk& chunk, uint64_t first, uint64_t count);
        void exclude(uint64_t first, uint64_t end);

        const PageFilter* f_;
        uint64_t lo_ = 0, hi_ = 0;   // the current window [lo_, hi_)
        std::vector<uint64_t> bits_;  // excluded bits of the window
        size_t chunk_ = 0;            // next chunk to walk
        uint64_t next_pfn_ = 0;       // next pfn to classify in chunk_ (0: from its start)
        uint64_t excl_end_ = 0;       // end of the furthest exclusion range seen
        std::vector<std::byte> block_;
        std::vector<uint8_t> readable_;  // per struct page of the block
        uint64_t unclassified_ = 0;
        uint64_t bad_free_orders_ = 0;
        std::string first_error_;
    };

    Cursor cursor() const { return Cursor(*this); }

private:
    PageFilter(arch::KernelMemory mem) : mem_(std::move(mem)) {}

    // Reads kernel virtual memory, translating page by page.
    Status read_virtual(uint64_t vaddr, std::span<std::byte> out) const;

    arch::KernelMemory mem_;
    PageRules rules_;
    MemMapLayout layout_;
    uint64_t max_mapnr_ = 0;
    std::vector<std::pair<uint64_t, uint64_t>> in_segments_;  // pfn ranges makedumpfile's is_in_segs() accepts
};

}  // namespace kdf::filter
