// core/compress/codec.cpp - the checks every codec gets for free (codec.h's contract).
#include "core/compress/codec.h"

#include <cerrno>
#include <cstdio>

namespace kdf::compress {

Result<size_t> Codec::compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept {
    const size_t need = max_compressed_size(in.size());
    char msg[160];
    if (out.size() < need) {
        // A caller bug, not bad data: report it rather than let a library write past `out`.
        std::snprintf(msg, sizeof msg,
                      "%.*s: output buffer of %zu bytes is smaller than max_compressed_size(%zu) = %zu",
                      static_cast<int>(name_.size()), name_.data(), out.size(), in.size(), need);
        return Status::from_errno(EINVAL, msg);
    }
    Result<size_t> r = do_compress(in, out);
    if (!r.is_ok()) return r.take_status().with_context(name_);
    if (r.value() > out.size()) {  // cannot happen with a sane library; never hand it on
        std::snprintf(msg, sizeof msg, "%.*s: compressor reported %zu bytes for a %zu-byte buffer",
                      static_cast<int>(name_.size()), name_.data(), r.value(), out.size());
        return Status::error(Code::system, msg);
    }
    return r;
}

Status Codec::decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept {
    char msg[160];
    if (in.empty() && !out.empty()) {
        std::snprintf(msg, sizeof msg, "%.*s: empty compressed data for a %zu-byte page",
                      static_cast<int>(name_.size()), name_.data(), out.size());
        return Status::error(Code::corrupt, msg);
    }
    Result<size_t> r = do_decompress(in, out);
    if (!r.is_ok()) return r.take_status().with_context(name_);
    if (r.value() != out.size()) {
        std::snprintf(msg, sizeof msg, "%.*s: %zu compressed bytes decompress to %zu bytes, expected %zu",
                      static_cast<int>(name_.size()), name_.data(), in.size(), r.value(), out.size());
        return Status::error(Code::corrupt, msg);
    }
    return Status::ok();
}

}  // namespace kdf::compress
