// core/dmesg/log_line_formatter.h - one kernel log record as makedumpfile prints it.
//
// "[%5llu.%06llu] " (seconds, microseconds of ts_nsec), with a caller id only when asked for
// "[%8s] " (makedumpfile 1.7.9's column: "T<pid>" for a task, "C<cpu>" when the id has bit 31
// set, for a printk from CPU context), then the text with every '\n' followed by
// spaces up to the text column, bytes outside C-locale isprint()/isspace() as "\xNN" (and
// "\xffffffNN" for bytes >= 0x80, the sign extension makedumpfile's printf of a char gives), then
// one '\n'. Pure function; see kernel_log.h for why these exact bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace kdf::dmesg {

void append_log_line(std::string& out, uint64_t ts_nsec, std::span<const std::byte> text,
                     std::optional<uint32_t> caller_id = std::nullopt);

}  // namespace kdf::dmesg
