// tools/mkvmcore/phys_overlay.h - the few physical pages whose bytes the kernel model sets itself.
//
// Page tables, mem_section arrays, init_uts_ns and the printk ring are written into a sparse map of
// 4 KiB pages; pages never written read as zero and stay holes in the file. The struct page array
// is not kept here: it is large and is encoded on the fly while writing (struct_page_encoder.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string_view>

namespace kdf::mkvmcore {

class PhysOverlay {
public:
    void put64(uint64_t paddr, uint64_t value);
    void put32(uint64_t paddr, uint32_t value);
    void put_bytes(uint64_t paddr, std::span<const std::byte> bytes);
    void put_string(uint64_t paddr, std::string_view text);  // no NUL added
    uint64_t get64(uint64_t paddr) const noexcept;

    // The page's bytes, or nullptr when nothing was written to that pfn.
    const std::byte* page(uint64_t pfn) const noexcept;

private:
    std::byte* at(uint64_t paddr);
    std::map<uint64_t, std::array<std::byte, 4096>> pages_;
};

}  // namespace kdf::mkvmcore
