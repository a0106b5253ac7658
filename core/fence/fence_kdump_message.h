// core/fence/fence_kdump_message.h - the 8-byte datagram of fence-agents' fence_kdump protocol.
//
// fence_kdump_send (fence-agents, agents/kdump/message.h) sends a packed
//   struct { uint32_t magic = 0x1B302A40; uint32_t version = 1; }
// in the sender's *host* byte order, and the fence_kdump listener compares it without ntohl. Every
// cluster that runs it is little-endian x86_64/aarch64 in practice, so on the wire it is
// 40 2a 30 1b 01 00 00 00. We build the bytes explicitly (not a struct cast) so the layout is
// visible here and identical on every host we build for.
#pragma once

#include <array>
#include <cstdint>

namespace kdf::fence {

inline constexpr uint32_t kFenceKdumpMagic = 0x1B302A40;
inline constexpr uint32_t kFenceKdumpVersion = 1;
inline constexpr uint16_t kFenceKdumpPort = 7410;

inline std::array<unsigned char, 8> fence_kdump_message() {
    std::array<unsigned char, 8> m{};
    for (int i = 0; i < 4; ++i) {
        m[i] = static_cast<unsigned char>(kFenceKdumpMagic >> (8 * i));
        m[4 + i] = static_cast<unsigned char>(kFenceKdumpVersion >> (8 * i));
    }
    return m;
}

}  // namespace kdf::fence
