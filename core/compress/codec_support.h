// core/compress/codec_support.h - small helpers the codec files share (not part of the interface).
//
// codec_error() formats into a stack buffer, so building an error message on the page path does
// not depend on the heap beyond what Status itself needs. make_codec<T>() is the one place a codec
// is allocated: it turns std::bad_alloc into a Status and runs T::init(), which allocates the
// codec's library contexts once.
#pragma once

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <new>

#include "core/compress/codec.h"

namespace kdf::compress {

__attribute__((format(printf, 2, 3))) inline Status codec_error(Code code, const char* fmt, ...) noexcept {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return Status::error(code, buf);
}

// T must have a constructor taking the level and `Status init() noexcept`.
template <class T>
Result<std::unique_ptr<Codec>> make_codec(int level) noexcept {
    std::unique_ptr<T> codec;
    try {
        codec = std::make_unique<T>(level);
    } catch (const std::bad_alloc&) {
        return Status::from_errno(ENOMEM, "cannot allocate a codec");
    }
    Status s = codec->init();
    if (!s.is_ok()) return s.with_context(codec->name());
    return std::unique_ptr<Codec>(std::move(codec));
}

}  // namespace kdf::compress
