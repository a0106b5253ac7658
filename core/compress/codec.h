// core/compress/codec.h - one page compressor/decompressor behind a checked, non-virtual interface.
//
// Purpose: the dump writers compress each page with a Codec and the readers (verify, convert)
// decompress with one; the CodecRegistry (codec_registry.h) makes them by name or by the page
// flag stored in a kdump page descriptor.
//
// Contract (ClickHouse's ICompressionCodec pattern): the public calls are non-virtual and do every
// bounds check; the private do_* hooks a codec implements may assume their buffers are valid.
//  - compress(in, out): out.size() must be >= max_compressed_size(in.size()), else an error (never
//    a write past the end). Returns the compressed size. makedumpfile's rule applies at the caller:
//    a page whose result is >= in.size() is stored raw (page_desc flags 0).
//  - decompress(in, out): succeeds only if `in` is one whole, valid stream that decompresses to
//    exactly out.size() bytes. Anything else - corrupt or truncated input, trailing bytes, a
//    result shorter or longer than out - is Code::corrupt, with a message that starts with the
//    codec's name. out's contents are unspecified after an error.
//  - Errors never throw.
//
// Ownership and threads: a Codec owns its library contexts (zstd contexts, libdeflate
// compressor, inflate state, lzo and lz4 work memory), allocated once when it is created, so
// compressing or decompressing a page allocates nothing. One Codec is used by one thread at a
// time; a compressor pool makes one Codec per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "kdf/status.h"

namespace kdf::compress {

class Codec {
public:
    virtual ~Codec() = default;
    Codec(const Codec&) = delete;
    Codec& operator=(const Codec&) = delete;

    // "none", "zlib", "lzo", "lz4" or "zstd" (the registry's key; a string literal, never freed).
    std::string_view name() const noexcept { return name_; }
    // The page_desc.flags value of a page this codec compressed (0 for none); see
    // core/compress/kdump_page_flags.h for the values.
    uint32_t kdump_flag() const noexcept { return kdump_flag_; }
    // The level it was made with (meaning per codec: zlib/zstd level, lz4 acceleration).
    int level() const noexcept { return level_; }

    // Worst-case compressed size of n input bytes: the output buffer size compress() requires.
    size_t max_compressed_size(size_t n) const noexcept { return do_max_compressed_size(n); }

    Result<size_t> compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept;
    Status decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept;

protected:
    Codec(std::string_view name, uint32_t kdump_flag, int level) noexcept
        : name_(name), kdump_flag_(kdump_flag), level_(level) {}

private:
    virtual size_t do_max_compressed_size(size_t n) const noexcept = 0;
    // out.size() >= do_max_compressed_size(in.size()) is guaranteed. Returns bytes written.
    virtual Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept = 0;
    // Returns the number of bytes produced (the caller checks it equals out.size()). Must never
    // write past out, and must fail with Code::corrupt on bad input or when the stream would
    // produce more than out.size() bytes. Messages need not name the codec: the caller adds it.
    virtual Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept = 0;

    std::string_view name_;
    uint32_t kdump_flag_;
    int level_;
};

}  // namespace kdf::compress
