#include "tools/mkvmcore/pfn_plan.h"

#include <algorithm>

#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {
namespace {

// A small deterministic stream of choices for one block.
class Choices {
public:
    explicit Choices(uint64_t seed) noexcept : state_(seed) {}
    uint64_t next() noexcept { return mix64(state_++); }
    uint64_t below(uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }

private:
    uint64_t state_;
};

bool is_huge(PageClass c) noexcept { return c == PageClass::thp || c == PageClass::hugetlb; }

}  // namespace

PfnPlan::PfnPlan(const KernelLayout& layout, uint64_t seed, const ClassMix& mix, std::vector<Allocation> fixed)
    : layout_(layout), seed_(seed), mix_(mix), fixed_(std::move(fixed)) {
    std::sort(fixed_.begin(), fixed_.end(), [](const Allocation& a, const Allocation& b) { return a.start < b.start; });
}

PfnInfo PfnPlan::info(uint64_t pfn) {
    const uint64_t block = pfn / kBlockPages;
    for (size_t i = 0; i < kCache; ++i)
        if (cached_ok_[i] && cached_id_[i] == block) return cached_[i][pfn % kBlockPages];
    const size_t slot = next_slot_;
    next_slot_ = (next_slot_ + 1) % kCache;
    plan(block, cached_[slot]);
    cached_id_[slot] = block;
    cached_ok_[slot] = true;
    return cached_[slot][pfn % kBlockPages];
}

void PfnPlan::plan(uint64_t block, Block& out) const {
    const uint64_t first = block * kBlockPages;
    // Fixed pfns: not RAM, or owned by the kernel model.
    std::array<bool, kBlockPages> fixed{};
    for (uint64_t i = 0; i < kBlockPages; ++i) {
        out[i] = PfnInfo{};
        out[i].ram = layout_.is_ram(first + i);
        fixed[i] = !out[i].ram;
    }
    const uint64_t ps = layout_.page_size;
    const uint64_t lo = first * ps, hi = (first + kBlockPages) * ps;
    auto it = std::upper_bound(fixed_.begin(), fixed_.end(), lo,
                               [](uint64_t v, const Allocation& a) { return v < a.start; });
    if (it != fixed_.begin()) --it;
    for (; it != fixed_.end() && it->start < hi; ++it) {
        for (uint64_t pa = std::max(it->start, lo) / ps * ps; pa < std::min(it->end, hi); pa += ps) {
            const uint64_t i = pa / ps - first;
            fixed[i] = true;
            out[i].cls = it->cls;
        }
    }
    const bool any_fixed = std::find(fixed.begin(), fixed.end(), true) != fixed.end();

    Choices ch(seed_ ^ mix64(block ^ 0x626c6f636bULL));
    const uint64_t total = mix_.total();
    const uint64_t huge = uint64_t{mix_[PageClass::thp]} + mix_[PageClass::hugetlb];
    if (!any_fixed && ch.below(total) < huge) {
        const PageClass c = ch.below(huge) < mix_[PageClass::thp] ? PageClass::thp : PageClass::hugetlb;
        for (uint64_t i = 0; i < kBlockPages; ++i) out[i] = {c, 9, static_cast<uint16_t>(i), true};
        return;
    }
    const uint64_t small_total = total - huge;
    uint64_t pos = 0;
    while (pos < kBlockPages) {
        if (fixed[pos]) {
            ++pos;
            continue;
        }
        PageClass c = PageClass::kernel;
        if (small_total > 0) {
            uint64_t r = ch.below(small_total);
            for (size_t k = 0; k < kWeightedClassCount; ++k) {
                const auto cand = static_cast<PageClass>(k);
                if (is_huge(cand)) continue;
                if (r < mix_[cand]) {
                    c = cand;
                    break;
                }
                r -= mix_[cand];
            }
        }
        uint32_t order = static_cast<uint32_t>(ch.below(10));
        auto fits = [&](uint32_t o) {
            const uint64_t n = uint64_t{1} << o;
            if (pos % n != 0 || pos + n > kBlockPages) return false;
            for (uint64_t i = pos; i < pos + n; ++i)
                if (fixed[i]) return false;
            return true;
        };
        while (order > 0 && !fits(order)) --order;
        const uint64_t n = uint64_t{1} << order;
        if (c == PageClass::free) {
            for (uint64_t i = 0; i < n; ++i) out[pos + i] = {c, static_cast<uint8_t>(order), static_cast<uint16_t>(i), true};
        } else if (c == PageClass::slab && order >= 1 && ch.below(2) == 0) {
            const uint32_t so = std::min<uint32_t>(order, 1 + static_cast<uint32_t>(ch.below(3)));
            const uint64_t sn = uint64_t{1} << so;
            for (uint64_t i = 0; i < n; ++i)
                out[pos + i] = {c, static_cast<uint8_t>(so), static_cast<uint16_t>(i % sn), true};
        } else {
            for (uint64_t i = 0; i < n; ++i) out[pos + i] = {c, 0, 0, true};
        }
        pos += n;
    }
}

}  // namespace kdf::mkvmcore
