// Malformed input for every codec (ClickHouse's gtest_*malformed*): truncated streams, garbage,
// flipped bits, trailing bytes, and output buffers one byte too short or too long. Each must be
// Code::corrupt and must not read or write out of bounds (this binary also runs under ASan; every
// buffer is an exact-size heap block so an overrun is caught).
#include <gtest/gtest.h>

#include "test_pages.h"

namespace kdf::compress::test {
namespace {

class Malformed : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        codec_ = make(reg_, GetParam());
        ASSERT_TRUE(codec_);
        page_ = make_page(PageKind::text);
        packed_ = compress_all(*codec_, page_);
    }

    // Decompresses `in` into a fresh exact-size buffer of `out_size` bytes.
    Status decompress(const Bytes& in, size_t out_size = kPage) {
        Bytes out(out_size);
        return codec_->decompress(in, out);
    }

    void expect_corrupt(const Status& s, const std::string& what) {
        EXPECT_FALSE(s.is_ok()) << what;
        EXPECT_EQ(s.code(), Code::corrupt) << what << ": " << s.to_string();
        EXPECT_EQ(s.message().rfind(GetParam() + ": ", 0), 0u) << "message must start with the codec's name: "
                                                                << s.message();
    }

    CodecRegistry reg_;
    std::unique_ptr<Codec> codec_;
    Bytes page_, packed_;
};

TEST_P(Malformed, ValidStreamDecompresses) {
    EXPECT_TRUE(decompress(packed_).is_ok());
}

TEST_P(Malformed, TruncatedStream) {
    ASSERT_GT(packed_.size(), 4u);
    for (size_t keep : {packed_.size() - 1, packed_.size() / 2, size_t{3}, size_t{1}, size_t{0}}) {
        Bytes cut(packed_.begin(), packed_.begin() + static_cast<std::ptrdiff_t>(keep));
        expect_corrupt(decompress(cut), "kept " + std::to_string(keep) + " of " + std::to_string(packed_.size()));
    }
}

// The codecs whose pages are a stream with a structure ("none" stores raw pages: it has no stream
// end and cannot see a flipped bit; OutputTooShortOrTooLong covers it).
class MalformedStream : public Malformed {};

TEST_P(MalformedStream, TrailingBytesAfterTheStream) {
    for (uint8_t extra : {0x00, 0x5a, 0xff}) {
        Bytes longer = packed_;
        longer.push_back(std::byte{extra});
        expect_corrupt(decompress(longer), "one trailing byte " + std::to_string(extra));
    }
}

TEST_P(Malformed, GarbageBytes) {
    std::vector<Bytes> garbage;
    garbage.push_back(make_page(PageKind::random, 200, 3));
    garbage.push_back(make_page(PageKind::random, kPage + 100, 4));
    garbage.push_back(Bytes(64, std::byte{0xff}));
    garbage.push_back(Bytes(64, std::byte{0x00}));
    for (size_t i = 0; i < garbage.size(); ++i)
        expect_corrupt(decompress(garbage[i]), "garbage #" + std::to_string(i));
}

TEST_P(Malformed, OutputTooShortOrTooLong) {
    // The stored page is valid, but the reader expects another page size.
    expect_corrupt(decompress(packed_, kPage - 1), "output one byte short");
    expect_corrupt(decompress(packed_, kPage + 1), "output one byte long");
    expect_corrupt(decompress(packed_, 1), "output of 1 byte");
    expect_corrupt(decompress(packed_, 2 * kPage), "output of two pages");
}

TEST_P(MalformedStream, FlippedBits) {
    // Flip one bit in every byte in turn (and, separately, invert every byte). No page format
    // catches every flip: lzo, lz4 and zstd (written as makedumpfile writes it, without a frame
    // checksum) can turn a flipped literal into a different page of the right length, and even
    // zlib's Adler-32 misses a few (a flip that swaps Huffman symbols can keep the sums; the
    // last deflate byte's padding bits are ignored) - zlib's own uncompress() accepts those too
    // (CodecCompat.OurInflateAcceptsExactlyWhatZlibUncompressAccepts). So the test asserts no
    // crash or overrun, only ok-or-corrupt results, and a detection rate per format.
    size_t caught = 0, tried = 0, wrong_page = 0;
    for (size_t i = 0; i < packed_.size(); ++i) {
        for (uint8_t mask : {0x01, 0x80, 0xff}) {
            Bytes bad = packed_;
            bad[i] ^= std::byte{mask};
            Bytes out(kPage);
            Status s = codec_->decompress(bad, out);
            ++tried;
            if (s.is_ok()) {
                if (out != page_) ++wrong_page;
                continue;
            }
            EXPECT_EQ(s.code(), Code::corrupt) << "byte " << i << ": " << s.to_string();
            ++caught;
        }
    }
    if (GetParam() == "zlib") {
        EXPECT_GE(caught * 100, tried * 99) << caught << " of " << tried << ", " << wrong_page << " wrong pages";
    } else {
        EXPECT_GT(caught, tried / 10) << caught << " of " << tried;
        if (GetParam() == "zstd") {  // the magic number is checked
            Bytes bad = packed_;
            bad[0] ^= std::byte{0x01};
            expect_corrupt(decompress(bad), "zstd magic");
        }
    }
}

TEST_P(MalformedStream, CorruptPagesOfEveryKind) {
    // Truncation of the compressed form of each kind of page, including the all-zero page whose
    // stream is tiny.
    for (PageKind k : {PageKind::zero, PageKind::pattern, PageKind::text}) {
        Bytes packed = compress_all(*codec_, make_page(k));
        Bytes cut(packed.begin(), packed.end() - 1);
        expect_corrupt(decompress(cut), std::string("truncated ") + to_string(k));
    }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, Malformed, ::testing::ValuesIn(kAllCodecs),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });
INSTANTIATE_TEST_SUITE_P(StreamCodecs, MalformedStream, ::testing::Values("zlib", "lzo", "lz4", "zstd"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace kdf::compress::test
