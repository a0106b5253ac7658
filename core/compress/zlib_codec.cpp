// core/compress/zlib_codec.cpp - "zlib": zlib-format pages (RFC 1950), makedumpfile -c's flag 0x1.
//
// Compresses with libdeflate, which produces the same format about twice as fast as zlib at
// level 1; decompresses with zlib's own inflate, the implementation makedumpfile, crash and
// libkdumpfile read our pages with, so our reader accepts exactly what theirs do.
// Levels 1..12 are libdeflate's (1 = fastest, makedumpfile's Z_BEST_SPEED; 10..12 are slower and
// smaller than zlib's 9). Level 0 (stored blocks only) is refused: every page would grow.
//
// Both contexts are made once: a libdeflate compressor and one inflate state that inflateReset()
// rewinds per page. Inflating a whole page with Z_FINISH in one call uses the output as its window,
// so zlib allocates nothing per page either.
#include <libdeflate.h>
#include <zlib.h>

#include <climits>

#include "core/compress/codec_registry.h"
#include "core/compress/codec_support.h"
#include "core/compress/kdump_page_flags.h"

namespace kdf::compress {
namespace {

struct CompressorFree {
    void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};
struct InflateEnd {
    void operator()(z_stream* s) const noexcept {
        inflateEnd(s);
        std::default_delete<z_stream>()(s);
    }
};

class ZlibCodec final : public Codec {
public:
    explicit ZlibCodec(int level) noexcept : Codec("zlib", kdump_page_flags::kCompressedZlib, level) {}

    Status init() noexcept {
        compressor_.reset(libdeflate_alloc_compressor(level()));
        if (!compressor_) return Status::from_errno(ENOMEM, "libdeflate_alloc_compressor");
        // The z_stream is heap-held so its address never changes: zlib's state points back at it.
        std::unique_ptr<z_stream> s;
        try {
            s = std::make_unique<z_stream>();
        } catch (const std::bad_alloc&) {
            return Status::from_errno(ENOMEM, "cannot allocate the inflate stream");
        }
        int rc = inflateInit(s.get());
        if (rc != Z_OK)
            return rc == Z_MEM_ERROR ? Status::from_errno(ENOMEM, "inflateInit")
                                     : codec_error(Code::system, "inflateInit failed (%d)", rc);
        inflate_.reset(s.release());
        return Status::ok();
    }

private:
    size_t do_max_compressed_size(size_t n) const noexcept override {
        return libdeflate_zlib_compress_bound(compressor_.get(), n);
    }

    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        size_t n = libdeflate_zlib_compress(compressor_.get(), in.data(), in.size(), out.data(), out.size());
        // 0 means "did not fit", impossible with a buffer of the bound's size.
        if (n == 0) return codec_error(Code::system, "libdeflate_zlib_compress: %zu bytes did not fit in %zu", in.size(), out.size());
        return n;
    }

    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (in.size() > UINT_MAX || out.size() > UINT_MAX)
            return codec_error(Code::corrupt, "a %zu-byte stream or %zu-byte page is too large for inflate",
                               in.size(), out.size());
        z_stream& s = *inflate_;
        if (inflateReset(&s) != Z_OK) return codec_error(Code::system, "inflateReset failed");
        // zlib takes non-const input pointers for historical reasons; it does not write to them.
        s.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
        s.avail_in = static_cast<uInt>(in.size());
        s.next_out = reinterpret_cast<Bytef*>(out.data());
        s.avail_out = static_cast<uInt>(out.size());
        const int rc = inflate(&s, Z_FINISH);
        switch (rc) {
        case Z_STREAM_END:
            if (s.avail_in != 0)
                return codec_error(Code::corrupt, "%u bytes follow the end of the zlib stream", s.avail_in);
            return static_cast<size_t>(s.total_out);
        case Z_BUF_ERROR:
        case Z_OK:
            // Z_FINISH stopped before the end: either out is full (the page is longer) or the input ran out.
            if (s.avail_out == 0 && s.avail_in != 0)
                return codec_error(Code::corrupt, "the zlib stream decompresses to more than %zu bytes", out.size());
            return codec_error(Code::corrupt, "the zlib stream is truncated: %zu bytes end after %lu bytes of output",
                               in.size(), static_cast<unsigned long>(s.total_out));
        case Z_DATA_ERROR:
            return codec_error(Code::corrupt, "invalid zlib data: %s", s.msg ? s.msg : "unknown error");
        case Z_NEED_DICT:
            return codec_error(Code::corrupt, "the zlib stream needs a preset dictionary, which dumps never use");
        case Z_MEM_ERROR:
            return Status::from_errno(ENOMEM, "inflate");
        default:
            return codec_error(Code::system, "inflate failed (%d)", rc);
        }
    }

    std::unique_ptr<libdeflate_compressor, CompressorFree> compressor_;
    std::unique_ptr<z_stream, InflateEnd> inflate_;
};

}  // namespace

Status register_zlib_codec(CodecRegistry& registry) {
    return registry.add({.name = "zlib", .kdump_flag = kdump_page_flags::kCompressedZlib, .min_level = 1,
                         .max_level = 12, .default_level = 1,
                         .level_note = "libdeflate levels: 1 fastest, 12 smallest",
                         .make = make_codec<ZlibCodec>});
}

}  // namespace kdf::compress
