// le_bytes.h - little-endian integers in LVM2's on-disk structures (which are little-endian on
// every architecture).
#pragma once

#include <cstddef>
#include <cstdint>

namespace kdf::lvm {

inline uint32_t get_le32(const std::byte* p) noexcept {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}

inline uint64_t get_le64(const std::byte* p) noexcept {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}

}  // namespace kdf::lvm
