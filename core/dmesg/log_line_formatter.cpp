// core/dmesg/log_line_formatter.cpp - see log_line_formatter.h.
#include "core/dmesg/log_line_formatter.h"

#include <algorithm>
#include <cstdio>

namespace kdf::dmesg {
namespace {

// isprint() || isspace() in the C locale, for a byte makedumpfile sees as a (signed) char: every
// byte >= 0x80 is negative there and neither printable nor space.
bool printed_as_is(unsigned char c) {
    return (c >= 0x20 && c <= 0x7e) || (c >= '\t' && c <= '\r');
}

}  // namespace

void append_log_line(std::string& out, uint64_t ts_nsec, std::span<const std::byte> text,
                     std::optional<uint32_t> caller_id) {
    char prefix[96];
    int n = std::snprintf(prefix, sizeof prefix, "[%5llu.%06llu] ",
                          static_cast<unsigned long long>(ts_nsec / 1'000'000'000ULL),
                          static_cast<unsigned long long>(ts_nsec % 1'000'000'000ULL / 1000));
    if (caller_id && n > 0 && static_cast<size_t>(n) < sizeof prefix) {
        constexpr uint32_t kCpuCaller = 0x80000000u;  // the kernel's PRINTK_CALLER cpu flag
        char id[16];
        std::snprintf(id, sizeof id, "%c%u", (*caller_id & kCpuCaller) != 0 ? 'C' : 'T', *caller_id & ~kCpuCaller);
        n += std::snprintf(prefix + n, sizeof prefix - static_cast<size_t>(n), "[%8s] ", id);
    }
    // Continuation lines are indented to the text column, caller id included.
    const size_t indent = n > 0 ? std::min(static_cast<size_t>(n), sizeof prefix - 1) : 0;
    out.append(prefix, indent);
    for (std::byte b : text) {
        const auto c = static_cast<unsigned char>(b);
        if (c == '\n') {
            out.push_back('\n');
            out.append(indent, ' ');
        } else if (printed_as_is(c)) {
            out.push_back(static_cast<char>(c));
        } else {
            char esc[16];
            // makedumpfile: sprintf("\\x%02x", *p) with a signed char, so 0xc3 prints as ffffffc3.
            const int e = c >= 0x80 ? std::snprintf(esc, sizeof esc, "\\xffffff%02x", c)
                                    : std::snprintf(esc, sizeof esc, "\\x%02x", c);
            out.append(esc, static_cast<size_t>(e));
        }
    }
    out.push_back('\n');
}

}  // namespace kdf::dmesg
