// tools/mkvmcore/page_content.h - the bytes of each sample page, a pure function of (seed, pfn).
//
// Every non-zero page starts with a 16-byte header so a test can tell where a page landed:
//   +0  "KDFPAGE\0"  (8 bytes)
//   +8  u64 pfn      (little-endian)
//   +16 body, by kind: repeat = one 8-byte pattern over and over; random = xorshift64 bytes;
//       text = log-like ASCII lines ending in '\n', NUL-padded to the page end.
// Zero pages are all zero (no header), so the writer can leave them as holes.
// The kernel-image alias shows the same pfns, so it gets the same bytes as the direct map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "tools/mkvmcore/mkvmcore_options.h"

namespace kdf::mkvmcore {

enum class PageKind { zero, repeat, random, text };

inline constexpr char kPageMagic[8] = {'K', 'D', 'F', 'P', 'A', 'G', 'E', '\0'};
inline constexpr size_t kPageHeaderSize = 16;

class PageContent {
public:
    PageContent(uint64_t seed, const PageMix& mix) noexcept : seed_(seed), mix_(mix) {}

    PageKind kind(uint64_t pfn) const noexcept;

    // Fills `page` (kPageSize bytes) for `pfn`; returns false (page all zero) for zero pages.
    bool fill(uint64_t pfn, std::span<std::byte> page) const noexcept;

private:
    uint64_t seed_;
    PageMix mix_;
};

}  // namespace kdf::mkvmcore
