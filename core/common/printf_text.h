// core/common/printf_text.h - a printf-formatted message as a std::string.
//
// Readers build one-line errors full of offsets and sizes ("PT_LOAD at program header 3: file
// offset 0x1000 + size 0x2000 ..."); printf's PRIx64 forms say that more plainly than streams.
// The text is built in a stack buffer and cut at 511 bytes, which no message comes near; the
// format attribute lets the compiler check every call's arguments.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string>

namespace kdf::common {

__attribute__((format(printf, 1, 2))) inline std::string printf_text(const char* format, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(buf, sizeof buf, format, ap);
    va_end(ap);
    return buf;
}

}  // namespace kdf::common
