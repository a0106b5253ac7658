// core/common/zero_bytes.h - is a page (or any buffer) all zero bytes?
//
// Zero pages are common in a dump, and this runs once per page on the dump's hot path, so it
// compares eight bytes at a time (memcpy keeps the loads legal at any alignment; compilers turn
// it into plain 64-bit loads).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace kdf::common {

inline bool all_zero(std::span<const std::byte> bytes) noexcept {
    size_t i = 0;
    for (; i + sizeof(uint64_t) <= bytes.size(); i += sizeof(uint64_t)) {
        uint64_t word;
        std::memcpy(&word, bytes.data() + i, sizeof word);
        if (word != 0) return false;
    }
    for (; i < bytes.size(); ++i)
        if (bytes[i] != std::byte{0}) return false;
    return true;
}

}  // namespace kdf::common
