// core/common/number_text.h - how core code prints numbers in messages: addresses and offsets in
// hex ("0x3432000", as readelf and makedumpfile print them), counts in decimal.
#pragma once

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kdf::common {

inline std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

inline std::string num(uint64_t v) { return std::to_string(v); }

}  // namespace kdf::common
