// core/compress/zstd_codec.cpp - "zstd": one zstd frame per page, makedumpfile -z's flag 0x20.
//
// Levels 1..ZSTD_maxCLevel() (22); the default 1 is makedumpfile's. Negative "fast" levels and 0
// ("library default") are left out so that level() always says what was used.
// One compression and one decompression context are made per codec and reused for every page
// (ZSTD_compressCCtx / ZSTD_decompressDCtx), as makedumpfile does per thread.
#include <zstd.h>
#include <zstd_errors.h>

#include "core/compress/codec_registry.h"
#include "core/compress/codec_support.h"
#include "core/compress/kdump_page_flags.h"

namespace kdf::compress {
namespace {

struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
    void operator()(ZSTD_DCtx* d) const noexcept { ZSTD_freeDCtx(d); }
};

class ZstdCodec final : public Codec {
public:
    explicit ZstdCodec(int level) noexcept : Codec("zstd", kdump_page_flags::kCompressedZstd, level) {}

    Status init() noexcept {
        cctx_.reset(ZSTD_createCCtx());
        dctx_.reset(ZSTD_createDCtx());
        if (!cctx_ || !dctx_) return Status::from_errno(ENOMEM, "cannot allocate zstd contexts");
        return Status::ok();
    }

private:
    size_t do_max_compressed_size(size_t n) const noexcept override { return ZSTD_compressBound(n); }

    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        size_t n = ZSTD_compressCCtx(cctx_.get(), out.data(), out.size(), in.data(), in.size(), level());
        if (ZSTD_isError(n)) return codec_error(Code::system, "ZSTD_compressCCtx: %s", ZSTD_getErrorName(n));
        return n;
    }

    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        size_t n = ZSTD_decompressDCtx(dctx_.get(), out.data(), out.size(), in.data(), in.size());
        if (!ZSTD_isError(n)) return n;
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
            return codec_error(Code::corrupt, "the zstd frame decompresses to more than %zu bytes", out.size());
        if (ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
            return Status::from_errno(ENOMEM, "ZSTD_decompressDCtx");
        return codec_error(Code::corrupt, "invalid zstd frame of %zu bytes: %s", in.size(), ZSTD_getErrorName(n));
    }

    std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx_;
    std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx_;
};

}  // namespace

Status register_zstd_codec(CodecRegistry& registry) {
    return registry.add({.name = "zstd", .kdump_flag = kdump_page_flags::kCompressedZstd, .min_level = 1,
                         .max_level = ZSTD_maxCLevel(), .default_level = 1,
                         .level_note = "zstd levels: 1 fastest, higher is smaller",
                         .make = make_codec<ZstdCodec>});
}

}  // namespace kdf::compress
