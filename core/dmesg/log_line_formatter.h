// core/dmesg/log_line_formatter.h - one kernel log record as makedumpfile 1.7.2 prints it.
//
// "[%5llu.%06llu] " (seconds, microseconds of ts_nsec), then the text with every '\n' followed by
// spaces up to the text column, bytes outside C-locale isprint()/isspace() as "\xNN" (and
// "\xffffffNN" for bytes >= 0x80, the sign extension makedumpfile's printf of a char gives), then
// one '\n'. Pure function; see kernel_log.h for why these exact bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kdf::dmesg {

void append_log_line(std::string& out, uint64_t ts_nsec, std::span<const std::byte> text);

}  // namespace kdf::dmesg
