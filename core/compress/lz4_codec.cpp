// core/compress/lz4_codec.cpp - "lz4": LZ4 block-format pages, our extension flag 0x100.
//
// Not part of makedumpfile's format: readers other than ours do not know the flag, and
// `kdump-failover convert` rewrites such a dump as zlib or zstd (kdump_header.h).
// The level is LZ4's acceleration (1 = default, best ratio; up to 65537, faster and larger).
// The compression state (LZ4_sizeofState(), about 16 KiB) is allocated once, not taken from the
// stack on each page as LZ4_compress_fast does; LZ4_compress_fast_extState is the same algorithm.
#include <lz4.h>

#include "core/compress/codec_registry.h"
#include "core/compress/codec_support.h"
#include "core/compress/kdump_page_flags.h"

namespace kdf::compress {
namespace {

class Lz4Codec final : public Codec {
public:
    explicit Lz4Codec(int level) noexcept : Codec("lz4", kdump_page_flags::kCompressedLz4Kdf, level) {}

    Status init() noexcept {
        try {
            // LZ4 wants the state 8-byte aligned; uint64_t storage guarantees it.
            state_ = std::make_unique<uint64_t[]>(static_cast<size_t>(LZ4_sizeofState()) / sizeof(uint64_t) + 1);
        } catch (const std::bad_alloc&) {
            return Status::from_errno(ENOMEM, "cannot allocate the lz4 state");
        }
        return Status::ok();
    }

private:
    size_t do_max_compressed_size(size_t n) const noexcept override {
        // Past LZ4_MAX_INPUT_SIZE the bound is 0; do_compress refuses such inputs itself.
        return n > LZ4_MAX_INPUT_SIZE ? 0 : static_cast<size_t>(LZ4_compressBound(static_cast<int>(n)));
    }

    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (in.size() > LZ4_MAX_INPUT_SIZE)
            return codec_error(Code::system, "input of %zu bytes exceeds LZ4_MAX_INPUT_SIZE", in.size());
        const int cap = out.size() > INT32_MAX ? INT32_MAX : static_cast<int>(out.size());
        int n = LZ4_compress_fast_extState(state_.get(), reinterpret_cast<const char*>(in.data()),
                                           reinterpret_cast<char*>(out.data()), static_cast<int>(in.size()), cap,
                                           level());
        if (n <= 0 && !in.empty()) return codec_error(Code::system, "LZ4_compress_fast failed on %zu bytes", in.size());
        return static_cast<size_t>(n);
    }

    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (in.size() > INT32_MAX || out.size() > INT32_MAX)
            return codec_error(Code::corrupt, "a %zu-byte block or %zu-byte page is too large for lz4", in.size(),
                               out.size());
        int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                    static_cast<int>(in.size()), static_cast<int>(out.size()));
        // LZ4's block format cannot tell "corrupt" from "longer than the buffer": one message for both.
        if (n < 0)
            return codec_error(Code::corrupt,
                               "invalid or truncated lz4 block of %zu bytes, or it decompresses to more than %zu bytes",
                               in.size(), out.size());
        return static_cast<size_t>(n);
    }

    std::unique_ptr<uint64_t[]> state_;
};

}  // namespace

Status register_lz4_codec(CodecRegistry& registry) {
    return registry.add({.name = "lz4", .kdump_flag = kdump_page_flags::kCompressedLz4Kdf, .min_level = 1,
                         .max_level = 65537, .default_level = 1,
                         .level_note = "lz4 acceleration: 1 smallest, higher is faster and larger",
                         .make = make_codec<Lz4Codec>});
}

}  // namespace kdf::compress
