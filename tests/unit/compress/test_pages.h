// tests/unit/compress/test_pages.h - the kinds of 4096-byte page a vmcore holds, made
// deterministically, and a codec helper the tests share.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/compress/codec.h"
#include "core/compress/codec_registry.h"

namespace kdf::compress::test {

inline constexpr size_t kPage = 4096;
using Bytes = std::vector<std::byte>;

enum class PageKind { zero, pattern, text, random };

inline const char* to_string(PageKind k) {
    switch (k) {
    case PageKind::zero: return "zero";
    case PageKind::pattern: return "pattern";
    case PageKind::text: return "text";
    case PageKind::random: return "random";
    }
    return "?";
}

inline Bytes make_page(PageKind kind, size_t size = kPage, uint64_t seed = 1) {
    Bytes p(size);
    switch (kind) {
    case PageKind::zero:
        break;
    case PageKind::pattern: {  // a repeated 8-byte value, like a poisoned or pointer-filled page
        const uint64_t v = 0xdead4ead00000000ULL + seed;
        for (size_t i = 0; i < size; ++i) p[i] = std::byte(static_cast<uint8_t>(v >> (8 * (i % 8))));
        break;
    }
    case PageKind::text: {  // kernel-log-like lines: compressible but not trivially
        std::string s;
        std::mt19937_64 rng(seed);
        while (s.size() < size) {
            s += "[" + std::to_string(rng() % 100000) + "." + std::to_string(rng() % 1000000) +
                 "] eth0: link up, speed " + std::to_string(100 << (rng() % 5)) + " Mbps, queue " +
                 std::to_string(rng() % 64) + "\n";
        }
        std::memcpy(p.data(), s.data(), size);
        break;
    }
    case PageKind::random: {
        std::mt19937_64 rng(seed);
        for (auto& b : p) b = std::byte(static_cast<uint8_t>(rng()));
        break;
    }
    }
    return p;
}

// Compresses `in` with `c` into a buffer of max_compressed_size and returns the bytes used.
inline Bytes compress_all(Codec& c, const Bytes& in) {
    Bytes out(c.max_compressed_size(in.size()));
    Result<size_t> r = c.compress(in, out);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    out.resize(r.is_ok() ? r.value() : 0);
    return out;
}

inline std::unique_ptr<Codec> make(const CodecRegistry& reg, const std::string& name,
                                   std::optional<int> level = {}) {
    auto r = reg.create(name, level);
    EXPECT_TRUE(r.is_ok()) << name << ": " << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
}

inline const std::vector<std::string> kAllCodecs = {"none", "zlib", "lzo", "lz4", "zstd"};

}  // namespace kdf::compress::test
