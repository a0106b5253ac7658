// core/compress/lzo_codec.cpp - "lzo": LZO1X-1 pages, makedumpfile -l's flag 0x2 (RHEL's default
// core_collector is `makedumpfile -l`).
//
// lzo1x_1_compress is the exact algorithm makedumpfile -l uses; it has no levels, so the only
// accepted level is 1. Decompression is lzo1x_decompress_safe, which checks both buffers' bounds.
// The LZO1X_1_MEM_COMPRESS work memory (128 KiB on 64-bit) is allocated once per codec.
#include <lzo/lzo1x.h>

#include "core/compress/codec_registry.h"
#include "core/compress/codec_support.h"
#include "core/compress/kdump_page_flags.h"

namespace kdf::compress {
namespace {

class LzoCodec final : public Codec {
public:
    explicit LzoCodec(int level) noexcept : Codec("lzo", kdump_page_flags::kCompressedLzo, level) {}

    Status init() noexcept {
        // lzo_init() only checks that the library matches the header's types; repeating it is harmless.
        if (int rc = lzo_init(); rc != LZO_E_OK)
            return codec_error(Code::system, "lzo_init failed (%d): liblzo2 does not match its headers", rc);
        try {
            // lzo_align_t gives the work memory the alignment liblzo2 expects of it.
            work_ = std::make_unique<lzo_align_t[]>(LZO1X_1_MEM_COMPRESS / sizeof(lzo_align_t) + 1);
        } catch (const std::bad_alloc&) {
            return Status::from_errno(ENOMEM, "cannot allocate LZO1X_1_MEM_COMPRESS work memory");
        }
        return Status::ok();
    }

private:
    // LZO1X's documented worst case (lzo's own examples: n + n/16 + 64 + 3).
    size_t do_max_compressed_size(size_t n) const noexcept override { return n + n / 16 + 64 + 3; }

    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        lzo_uint n = out.size();
        int rc = lzo1x_1_compress(reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                                  reinterpret_cast<unsigned char*>(out.data()), &n, work_.get());
        if (rc != LZO_E_OK) return codec_error(Code::system, "lzo1x_1_compress failed (%d)", rc);
        return static_cast<size_t>(n);
    }

    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        lzo_uint n = out.size();
        int rc = lzo1x_decompress_safe(reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                                       reinterpret_cast<unsigned char*>(out.data()), &n, nullptr);
        switch (rc) {
        case LZO_E_OK:
            return static_cast<size_t>(n);
        case LZO_E_INPUT_OVERRUN:
            return codec_error(Code::corrupt, "the lzo stream is truncated (%zu bytes)", in.size());
        case LZO_E_OUTPUT_OVERRUN:
            return codec_error(Code::corrupt, "the lzo stream decompresses to more than %zu bytes", out.size());
        case LZO_E_INPUT_NOT_CONSUMED:
            return codec_error(Code::corrupt, "bytes follow the end of the lzo stream (%zu bytes in all)", in.size());
        case LZO_E_LOOKBEHIND_OVERRUN:
            return codec_error(Code::corrupt, "invalid lzo data: a match refers before the start of the page");
        case LZO_E_EOF_NOT_FOUND:
            return codec_error(Code::corrupt, "the lzo stream has no end marker");
        default:
            return codec_error(Code::corrupt, "invalid lzo data (error %d)", rc);
        }
    }

    std::unique_ptr<lzo_align_t[]> work_;
};

}  // namespace

Status register_lzo_codec(CodecRegistry& registry) {
    return registry.add({.name = "lzo", .kdump_flag = kdump_page_flags::kCompressedLzo, .min_level = 1,
                         .max_level = 1, .default_level = 1, .level_note = "lzo1x_1 has no levels",
                         .make = make_codec<LzoCodec>});
}

}  // namespace kdf::compress
