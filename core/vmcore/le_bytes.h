// core/vmcore/le_bytes.h - little-endian loads and stores on raw file bytes (the reader and the
// format writers share them).
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

inline void store_le16(std::byte* p, uint16_t v) noexcept {
    for (int i = 0; i < 2; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

inline void store_le32(std::byte* p, uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

inline void store_le64(std::byte* p, uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

}  // namespace kdf::vmcore
