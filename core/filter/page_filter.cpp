// core/filter/page_filter.cpp - see page_filter.h.
#include "core/filter/page_filter.h"

#include <algorithm>
#include <cstdio>

#include "core/vmcore/elf_layout.h"

namespace kdf::filter {
namespace {

constexpr uint64_t kCacheAlign = 512;  // makedumpfile's PGMM_CACHED

// makedumpfile's is_kvaddr() on x86_64 is "at or above PAGE_OFFSET", which it derives from the
// PT_LOADs (p_vaddr - p_paddr of the direct-map segments). Same here; the upper half of the
// address space when no segment tells. On arm64 it is the bottom of the kernel half
// (-(1 << vabits_actual)), which the translator knows from VMCOREINFO.
uint64_t kernel_floor(const vmcore::ElfVmcore& core, const arch::KernelMemory& mem) {
    if (core.machine() != vmcore::elf::kEmX86_64) return mem.kernel_space_start();
    uint64_t floor = ~0ULL;
    for (const vmcore::LoadSegment& s : core.segments()) {
        if (s.alias || s.vaddr < (1ULL << 63) || s.vaddr < s.paddr) continue;
        floor = std::min(floor, s.vaddr - s.paddr);
    }
    return floor == ~0ULL ? (1ULL << 63) : floor;
}

}  // namespace

Result<std::unique_ptr<PageFilter>> PageFilter::open(const vmcore::ElfVmcore& core, int level, uint64_t max_mapnr,
                                                     std::vector<std::string>& disabled) {
    if (!core.has_vmcoreinfo()) return Status::error(Code::not_found, "the vmcore has no VMCOREINFO note");
    auto rules = PageRules::from(core.vmcoreinfo(), level, disabled);
    if (!rules.is_ok()) return rules.take_status();
    if (!rules->walk_needed()) return std::unique_ptr<PageFilter>();
    auto mem = arch::KernelMemory::open(core);
    if (!mem.is_ok()) return mem.take_status();
    auto layout = MemMapLayout::find(mem.value(), core.vmcoreinfo(), rules->struct_size, max_mapnr,
                                    kernel_floor(core, mem.value()));
    if (!layout.is_ok()) return layout.take_status();

    std::unique_ptr<PageFilter> f(new PageFilter(std::move(mem).value()));
    f->rules_ = std::move(rules).value();
    f->layout_ = std::move(layout).value();
    f->max_mapnr_ = max_mapnr;
    const uint64_t ps = f->rules_.page_size;
    for (const auto& r : core.phys_map().ranges()) {
        // A pfn is "in a segment" when its first byte is (the partial page at 0x9f000 counts).
        const uint64_t first = (r.paddr + ps - 1) / ps;
        const uint64_t end = (r.end() + ps - 1) / ps;
        if (first < end) f->in_segments_.emplace_back(first, end);
    }
    std::sort(f->in_segments_.begin(), f->in_segments_.end());
    return f;
}

PageFilter::Cursor::Cursor(const PageFilter& filter)
    : f_(&filter), bits_(kWindowPages / 64, 0), block_(kBlockPages * filter.rules_.struct_size),
      readable_(kBlockPages, 0) {}

void PageFilter::Cursor::advance(uint64_t pfn) {
    // Windows are processed in order, even empty ones: the walk's state (chunk, pending range)
    // must see every pfn in sequence to give the single-pass answer.
    while (pfn >= hi_) {
        lo_ = hi_;
        hi_ = lo_ + kWindowPages;
        process_window();
    }
}

void PageFilter::Cursor::exclude(uint64_t first, uint64_t end) {
    excl_end_ = std::max(excl_end_, end);
    first = std::max(first, lo_);
    end = std::min(end, hi_);
    for (uint64_t p = first; p < end; ++p) {
        const uint64_t i = p - lo_;
        bits_[i >> 6] |= 1ULL << (i & 63);
    }
}

void PageFilter::Cursor::process_window() {
    std::fill(bits_.begin(), bits_.end(), 0);
    if (excl_end_ > lo_) exclude(lo_, excl_end_);
    const auto& chunks = f_->layout_.chunks;
    while (chunk_ < chunks.size()) {
        const MemMapChunk& c = chunks[chunk_];
        const uint64_t start = std::max(next_pfn_, c.first_pfn);
        if (start >= c.end_pfn) {
            ++chunk_;
            next_pfn_ = 0;
            continue;
        }
        if (start >= hi_) break;
        walk(c, start, std::min(c.end_pfn, hi_));
        if (next_pfn_ < c.end_pfn) break;  // the chunk goes on in the next window
        ++chunk_;
        next_pfn_ = 0;
    }
}

Status PageFilter::read_virtual(uint64_t vaddr, std::span<std::byte> out) const {
    // Translate mapping by mapping and read physically contiguous stretches at once: vmemmap is
    // mapped with 2 MiB pages, so a block is usually one translation and one pread.
    const vmcore::PhysicalMemory& core = mem_.memory();
    size_t done = 0, run_start = 0;
    uint64_t run_paddr = 0;
    while (done < out.size()) {
        const uint64_t at = vaddr + done;
        auto t = mem_.translate(at);
        if (!t.is_ok()) return t.take_status();
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, std::max<uint64_t>(1, t.value().contiguous)));
        const uint64_t pa = t.value().paddr;
        if (done != run_start && pa != run_paddr + (done - run_start)) {
            if (Status s = core.read_phys(run_paddr, out.subspan(run_start, done - run_start)); !s.is_ok()) return s;
            run_start = done;
        }
        if (done == run_start) run_paddr = pa;
        done += n;
    }
    if (done > run_start) return core.read_phys(run_paddr, out.subspan(run_start, done - run_start));
    return Status::ok();
}

Status PageFilter::read_struct_pages(uint64_t pfn, std::span<std::byte> out) const {
    const uint64_t ss = rules_.struct_size;
    const uint64_t count = out.size() / ss;
    const MemMapChunk* c = layout_.chunk_of(pfn);
    if (out.size() % ss != 0 || c == nullptr || count > c->end_pfn - pfn)
        return Status::error(Code::not_found, "pfn " + std::to_string(pfn) + " (+" + std::to_string(count) +
                                                  ") is not in one " + layout_.model + " mem_map chunk");
    return read_virtual(c->vaddr + (pfn - c->first_pfn) * ss, out);
}

void PageFilter::Cursor::read_block(const MemMapChunk& c, uint64_t first, uint64_t count) {
    const uint64_t ss = f_->rules_.struct_size;
    const uint64_t vaddr = c.vaddr + (first - c.first_pfn) * ss;
    std::span<std::byte> all(block_.data(), count * ss);
    Status s = f_->read_virtual(vaddr, all);
    if (s.is_ok()) {
        std::fill_n(readable_.begin(), count, uint8_t{1});
        return;
    }
    // Something in the block is unreadable: find out which struct pages, one vmemmap page (the
    // crashed kernel's page size) at a time.
    if (first_error_.empty()) first_error_ = s.message();
    const uint64_t step = f_->rules_.page_size;
    std::fill_n(readable_.begin(), count, uint8_t{1});
    uint64_t off = 0;
    while (off < all.size()) {
        const uint64_t at = vaddr + off;
        const uint64_t n = std::min<uint64_t>(all.size() - off, step - at % step);
        if (!f_->read_virtual(at, all.subspan(off, n)).is_ok()) {
            for (uint64_t i = off / ss; i <= (off + n - 1) / ss && i < count; ++i) readable_[i] = 0;
        }
        off += n;
    }
}

void PageFilter::Cursor::walk(const MemMapChunk& c, uint64_t start, uint64_t stop) {
    const PageRules& rules = f_->rules_;
    const uint64_t ss = rules.struct_size;
    const auto& segs = f_->in_segments_;
    auto seg = std::upper_bound(segs.begin(), segs.end(), start,
                                [](uint64_t p, const std::pair<uint64_t, uint64_t>& r) { return p < r.first; });
    if (seg != segs.begin() && std::prev(seg)->second > start) --seg;
    uint64_t pfn = start;
    while (pfn < stop) {
        while (seg != segs.end() && seg->second <= pfn) ++seg;
        if (seg == segs.end() || seg->first >= stop) {
            pfn = stop;
            break;
        }
        pfn = std::max(pfn, seg->first);
        // Blocks follow makedumpfile's cache alignment, not the segments: a compound head at a
        // segment's last pfn still sees the next struct page, as it does there.
        const uint64_t block_first = pfn;
        const uint64_t block_end = std::min(stop, (pfn / kBlockPages + 1) * kBlockPages);
        read_block(c, block_first, block_end - block_first);
        while (pfn < block_end) {
            if (pfn >= seg->second) {
                while (seg != segs.end() && seg->second <= pfn) ++seg;
                if (seg == segs.end()) {
                    pfn = stop;
                    break;
                }
                if (seg->first > pfn) {
                    pfn = std::min(seg->first, block_end);
                    continue;
                }
            }
            const uint64_t i = pfn - block_first;
            if (!readable_[i]) {
                ++unclassified_;
                ++pfn;
                continue;
            }
            const std::byte* page = block_.data() + i * ss;
            // The next struct page as makedumpfile's 512-entry cache would hold it.
            const std::byte* next = nullptr;
            if (pfn % kCacheAlign != kCacheAlign - 1 && pfn + 1 < block_end && readable_[i + 1]) next = page + ss;
            const PageVerdict v = classify_page(rules, page, next, pfn);
            if (v.bad_free_order) ++bad_free_orders_;
            if (!excludes(v.cls)) {
                ++pfn;
                continue;
            }
            exclude(pfn, pfn + v.pages);
            pfn += v.pages;  // the pages of the range are not looked at again
        }
    }
    next_pfn_ = pfn;
}

}  // namespace kdf::filter
