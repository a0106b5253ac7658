// core/vmcore/le_bytes.h - little-endian loads from raw file bytes.
//
// The reader only accepts little-endian vmcores (ELFDATA2LSB), but it decodes fields byte by byte
// rather than casting buffers to structs: no alignment or aliasing assumptions, and the same code
// would work on a big-endian host. All functions take a pointer the caller has bounds-checked.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kdf::vmcore {

inline uint16_t load_le16(const std::byte* p) noexcept {
    return static_cast<uint16_t>(std::to_integer<uint16_t>(p[0]) | (std::to_integer<uint16_t>(p[1]) << 8));
}

inline uint32_t load_le32(const std::byte* p) noexcept {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<uint32_t>(p[i]);
    return v;
}

inline uint64_t load_le64(const std::byte* p) noexcept {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<uint64_t>(p[i]);
    return v;
}

}  // namespace kdf::vmcore
