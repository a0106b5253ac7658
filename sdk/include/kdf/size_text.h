// kdf/size_text.h - byte counts in messages.
//
// Always MiB with one decimal ("12.3 MiB"), whatever the size: a message usually sets two figures
// side by side ("only 900.0 MiB free, below the reserve of 1024.0 MiB"), and one unit compares at
// a glance where mixed units, or a coarser unit that rounds both to "1.0 GiB", would not.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace kdf {

inline std::string size_text(uint64_t bytes) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

}  // namespace kdf
