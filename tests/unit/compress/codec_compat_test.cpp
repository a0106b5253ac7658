// Compatibility with the reference libraries, independently of kdf_compress: zlib-format pages
// from libdeflate must inflate with zlib (what makedumpfile, crash and libkdumpfile use), and
// pages from zlib, libzstd and liblz4 must decompress with our codecs.
#include <gtest/gtest.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include "test_pages.h"

namespace kdf::compress::test {
namespace {

const PageKind kCompressible[] = {PageKind::zero, PageKind::pattern, PageKind::text};

TEST(CodecCompat, OurZlibPagesInflateWithZlibUncompress) {
    CodecRegistry reg;
    for (int level : {1, 6, 9, 12}) {
        auto c = make(reg, "zlib", level);
        ASSERT_TRUE(c);
        for (PageKind k : {PageKind::zero, PageKind::pattern, PageKind::text, PageKind::random}) {
            const Bytes page = make_page(k);
            Bytes packed = compress_all(*c, page);
            Bytes back(kPage);
            uLongf len = back.size();
            int rc = uncompress(reinterpret_cast<Bytef*>(back.data()), &len,
                                reinterpret_cast<const Bytef*>(packed.data()), packed.size());
            ASSERT_EQ(rc, Z_OK) << "level " << level << " " << to_string(k);
            EXPECT_EQ(len, kPage);
            EXPECT_TRUE(back == page) << "level " << level << " " << to_string(k);
        }
    }
}

TEST(CodecCompat, ZlibCompress2PagesDecompressWithOurCodec) {
    CodecRegistry reg;
    auto c = make(reg, "zlib");
    ASSERT_TRUE(c);
    for (int level : {Z_BEST_SPEED, Z_DEFAULT_COMPRESSION, Z_BEST_COMPRESSION}) {
        for (PageKind k : kCompressible) {
            const Bytes page = make_page(k);
            Bytes packed(compressBound(kPage));
            uLongf len = packed.size();
            ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &len,
                                reinterpret_cast<const Bytef*>(page.data()), page.size(), level),
                      Z_OK);
            packed.resize(len);
            Bytes back(kPage);
            Status s = c->decompress(packed, back);
            ASSERT_TRUE(s.is_ok()) << "compress2 level " << level << ": " << s.to_string();
            EXPECT_TRUE(back == page) << "compress2 level " << level << " " << to_string(k);
        }
    }
}

// Our reader must agree with zlib's uncompress() on every damaged page (truncated, or one bit or
// byte flipped anywhere), so `verify` accepts a page exactly when makedumpfile and crash would.
TEST(CodecCompat, OurInflateAcceptsExactlyWhatZlibUncompressAccepts) {
    CodecRegistry reg;
    auto c = make(reg, "zlib");
    ASSERT_TRUE(c);
    size_t accepted = 0, tried = 0;
    for (PageKind k : kCompressible) {
        const Bytes page = make_page(k);
        const Bytes packed = compress_all(*c, page);
        std::vector<Bytes> damaged;
        for (size_t keep = 0; keep < packed.size(); ++keep)
            damaged.emplace_back(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(keep));
        for (size_t i = 0; i < packed.size(); ++i)
            for (uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xff}) {
                damaged.push_back(packed);
                damaged.back()[i] ^= std::byte{mask};
            }
        for (const Bytes& bad : damaged) {
            Bytes ours(kPage), theirs(kPage);
            const bool ours_ok = c->decompress(bad, ours).is_ok();
            uLongf len = theirs.size();
            const bool theirs_ok = uncompress(reinterpret_cast<Bytef*>(theirs.data()), &len,
                                              reinterpret_cast<const Bytef*>(bad.data()), bad.size()) == Z_OK &&
                                   len == kPage;
            ++tried;
            ASSERT_EQ(ours_ok, theirs_ok) << to_string(k) << " damaged stream #" << tried;
            if (ours_ok) {
                ++accepted;
                EXPECT_TRUE(ours == theirs);
            }
        }
    }
    EXPECT_LT(accepted * 100, tried) << "damage should almost always be caught";
}

TEST(CodecCompat, ZstdCompressLevel3FramesDecompressWithOurCodec) {
    CodecRegistry reg;
    auto c = make(reg, "zstd");
    ASSERT_TRUE(c);
    for (PageKind k : kCompressible) {
        const Bytes page = make_page(k);
        Bytes packed(ZSTD_compressBound(kPage));
        size_t n = ZSTD_compress(packed.data(), packed.size(), page.data(), page.size(), 3);
        ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
        packed.resize(n);
        Bytes back(kPage);
        Status s = c->decompress(packed, back);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
        EXPECT_TRUE(back == page) << to_string(k);
    }
}

TEST(CodecCompat, OurZstdFramesDecompressWithZstdDecompress) {
    CodecRegistry reg;
    auto c = make(reg, "zstd");
    ASSERT_TRUE(c);
    for (PageKind k : kCompressible) {
        const Bytes page = make_page(k);
        Bytes packed = compress_all(*c, page);
        // makedumpfile and libkdumpfile size the output from the descriptor; the frame also records it.
        EXPECT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), kPage);
        Bytes back(kPage);
        size_t n = ZSTD_decompress(back.data(), back.size(), packed.data(), packed.size());
        ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
        EXPECT_EQ(n, kPage);
        EXPECT_TRUE(back == page) << to_string(k);
    }
}

TEST(CodecCompat, Lz4BlocksInterchangeWithLiblz4) {
    CodecRegistry reg;
    auto c = make(reg, "lz4");
    ASSERT_TRUE(c);
    for (PageKind k : kCompressible) {
        const Bytes page = make_page(k);
        Bytes theirs(static_cast<size_t>(LZ4_compressBound(kPage)));
        int n = LZ4_compress_default(reinterpret_cast<const char*>(page.data()), reinterpret_cast<char*>(theirs.data()),
                                     kPage, static_cast<int>(theirs.size()));
        ASSERT_GT(n, 0);
        theirs.resize(static_cast<size_t>(n));
        Bytes back(kPage);
        ASSERT_TRUE(c->decompress(theirs, back).is_ok());
        EXPECT_TRUE(back == page);

        Bytes ours = compress_all(*c, page);
        Bytes back2(kPage);
        EXPECT_EQ(LZ4_decompress_safe(reinterpret_cast<const char*>(ours.data()), reinterpret_cast<char*>(back2.data()),
                                      static_cast<int>(ours.size()), kPage),
                  static_cast<int>(kPage));
        EXPECT_TRUE(back2 == page);
    }
}

}  // namespace
}  // namespace kdf::compress::test
