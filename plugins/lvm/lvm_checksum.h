// lvm_checksum.h - the checksum LVM2 puts on its label, metadata area header and metadata text.
//
// It is the reflected CRC-32 (polynomial 0xEDB88320) without the usual final inversion, started
// from 0xf597a6cf instead of 0xffffffff. lvm2 refuses a label, header or text whose stored value
// differs, and so do we: a torn or stale metadata write must never steer where a dump lands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace kdf::lvm {

inline constexpr uint32_t lvm_checksum_seed = 0xf597a6cfu;

inline uint32_t lvm_checksum(std::span<const std::byte> data, uint32_t crc = lvm_checksum_seed) noexcept {
    for (std::byte b : data) {
        crc ^= static_cast<uint8_t>(b);
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? 0xEDB88320u : 0u);
    }
    return crc;
}

}  // namespace kdf::lvm
