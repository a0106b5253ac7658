// tools/mkvmcore/struct_page_encoder.h - the 64-byte struct page a 6.1 x86_64 kernel keeps per pfn.
//
// Layout (VMCOREINFO of Debian's 6.1 kernel): flags @0, lru / compound_head @8, mapping @24,
// index @32, private @40, _mapcount (page_type) @48, _refcount @52, memcg_data @56. First tail
// page of a compound page: compound_dtor u8 @16, compound_order u8 @17, compound_mapcount @20,
// compound_pincount @24, compound_nr @28. Values follow what the real fixture vmcore-6.1-a holds
// for the same kind of page (flags upper bits: zone number at bit 51, LAST_CPUPID all ones).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/pfn_plan.h"

namespace kdf::mkvmcore {

inline constexpr size_t kStructPageSize = 64;

// 6.1 page flag bits and page_type values, as VMCOREINFO exports them.
inline constexpr int kPgReferenced = 1, kPgUptodate = 2, kPgDirty = 3, kPgLru = 4, kPgActive = 5,
                     kPgSlab = 9, kPgSwapcache = 10, kPgReserved = 12, kPgPrivate = 13, kPgHead = 16,
                     kPgMappedtodisk = 17, kPgSwapbacked = 19;
// PG_hwpoison differs by architecture (23 on x86_64, 22 on arm64): KernelLayout::pg_hwpoison.
inline constexpr int32_t kBuddyMapcount = -129, kOfflineMapcount = -257, kTableMapcount = -513;
inline constexpr uint8_t kCompoundPageDtor = 1, kHugetlbPageDtor = 2, kTranshugePageDtor = 3;

class StructPageEncoder {
public:
    explicit StructPageEncoder(const KernelLayout& layout) noexcept : layout_(layout) {}

    // Writes pfn's struct page into out (64 bytes); `info` is PfnPlan::info(pfn). A tail page
    // finds its head at pfn - info.index.
    void encode(uint64_t pfn, const PfnInfo& info, std::span<std::byte> out) const noexcept;

private:
    uint64_t sp(uint64_t pfn) const noexcept { return layout_.vmemmap_base + pfn * kStructPageSize; }
    uint64_t object(uint64_t kind, uint64_t n) const noexcept;

    const KernelLayout& layout_;
};

}  // namespace kdf::mkvmcore
