// core/format/number_text.h - how the format code prints numbers in messages: offsets in hex
// ("0x3432000", as readelf and makedumpfile print them), counts in decimal.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kdf::format {

inline std::string hex(uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

inline std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace kdf::format
