// core/compress/none_codec.cpp - "none": pages are stored as they are (page_desc flags 0).
//
// compress() copies and returns in.size(), so by makedumpfile's rule the caller stores the page
// raw. decompress() is the reader's side of a raw page: the stored size must equal the page size.
#include <cstring>

#include "core/compress/codec_registry.h"
#include "core/compress/codec_support.h"

namespace kdf::compress {
namespace {

class NoneCodec final : public Codec {
public:
    explicit NoneCodec(int level) noexcept : Codec("none", 0, level) {}
    Status init() noexcept { return Status::ok(); }

private:
    size_t do_max_compressed_size(size_t n) const noexcept override { return n; }

    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
        return in.size();
    }

    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (in.size() > out.size())
            return codec_error(Code::corrupt, "stored page is %zu bytes, longer than the %zu-byte page", in.size(),
                               out.size());
        if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
        return in.size();  // shorter than out: Codec::decompress reports the mismatch
    }
};

}  // namespace

Status register_none_codec(CodecRegistry& registry) {
    return registry.add({.name = "none", .kdump_flag = 0, .min_level = 0, .max_level = 0, .default_level = 0,
                         .level_note = "none has no levels", .make = make_codec<NoneCodec>});
}

}  // namespace kdf::compress
