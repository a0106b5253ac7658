// core/vmcore/elf_layout.h - the ELF64 numbers a vmcore reader and an ELF dump writer share,
// spelled out so neither depends on the host's <elf.h>.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kdf::vmcore::elf {

inline constexpr size_t kEhdrSize = 64;
inline constexpr size_t kPhdrSize = 56;
inline constexpr size_t kShdrSize = 64;
inline constexpr uint8_t kElfClass64 = 2;
inline constexpr uint8_t kElfData2Lsb = 1;
inline constexpr uint16_t kEtCore = 4;
inline constexpr uint16_t kEmX86_64 = 62;
inline constexpr uint16_t kEmAarch64 = 183;
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtNote = 4;
inline constexpr uint16_t kPnXnum = 0xffff;  // e_phnum escape: the real count is in section 0's sh_info

}  // namespace kdf::vmcore::elf
