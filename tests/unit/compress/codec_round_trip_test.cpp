// Round trips for every codec, page kind and level boundary; makedumpfile's "store raw when not
// smaller" rule on random pages; and the output-buffer check of compress().
#include <gtest/gtest.h>

#include "test_pages.h"

namespace kdf::compress::test {
namespace {

struct LevelRange {
    std::string name;
    int min, max, def;
};
// The accepted ranges are part of the contract (config validation reports them).
const std::vector<LevelRange> kRanges = {
    {"none", 0, 0, 0}, {"zlib", 1, 12, 1}, {"lzo", 1, 1, 1}, {"lz4", 1, 65537, 1}, {"zstd", 1, 22, 1}};

const PageKind kKinds[] = {PageKind::zero, PageKind::pattern, PageKind::text, PageKind::random};

void expect_round_trip(Codec& c, const Bytes& page, const std::string& what) {
    Bytes packed = compress_all(c, page);
    Bytes back(page.size(), std::byte{0x5a});
    Status s = c.decompress(packed, back);
    ASSERT_TRUE(s.is_ok()) << what << ": " << s.to_string();
    EXPECT_TRUE(back == page) << what << ": decompressed page differs";
}

TEST(CodecRoundTrip, EveryCodecEveryKindEveryLevelBoundary) {
    CodecRegistry reg;
    for (const LevelRange& r : kRanges) {
        for (int level : {r.min, r.def, r.max}) {
            auto c = make(reg, r.name, level);
            ASSERT_TRUE(c);
            EXPECT_EQ(c->name(), r.name);
            EXPECT_EQ(c->level(), level);
            for (PageKind k : kKinds)
                expect_round_trip(*c, make_page(k), r.name + " level " + std::to_string(level) + " " + to_string(k));
        }
    }
}

TEST(CodecRoundTrip, DefaultLevelIsMakedumpfiles) {
    CodecRegistry reg;
    for (const LevelRange& r : kRanges) {
        auto c = make(reg, r.name);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->level(), r.def) << r.name;
    }
}

TEST(CodecRoundTrip, LevelsJustOutsideTheRangeAreRefusedWithTheRange) {
    CodecRegistry reg;
    for (const LevelRange& r : kRanges) {
        for (int level : {r.min - 1, r.max + 1}) {
            auto c = reg.create(r.name, level);
            ASSERT_FALSE(c.is_ok()) << r.name << " level " << level;
            EXPECT_EQ(c.status().code(), Code::invalid_config);
            const std::string range =
                r.min == r.max ? std::to_string(r.min) : std::to_string(r.min) + ".." + std::to_string(r.max);
            EXPECT_NE(c.status().message().find(r.name + ": compression level " + std::to_string(level) +
                                                " is out of range; accepted: " + range),
                      std::string::npos)
                << c.status().message();
        }
    }
}

TEST(CodecRoundTrip, CompressiblePagesShrinkAndRandomPagesAreStoredRaw) {
    CodecRegistry reg;
    for (const std::string& name : kAllCodecs) {
        auto c = make(reg, name);
        ASSERT_TRUE(c);
        for (PageKind k : kKinds) {
            Bytes packed = compress_all(*c, make_page(k));
            if (name == "none" || k == PageKind::random)
                EXPECT_GE(packed.size(), kPage) << name << " " << to_string(k) << ": must be stored raw";
            else
                EXPECT_LT(packed.size(), kPage / 2) << name << " " << to_string(k);
        }
    }
}

TEST(CodecRoundTrip, SizesOtherThanAPage) {
    CodecRegistry reg;
    for (const std::string& name : kAllCodecs) {
        auto c = make(reg, name);
        ASSERT_TRUE(c);
        for (size_t size : {size_t{1}, size_t{100}, size_t{8192}, size_t{65536 + 7}})
            for (PageKind k : {PageKind::text, PageKind::random})
                expect_round_trip(*c, make_page(k, size), name + " " + std::to_string(size) + " " + to_string(k));
    }
}

TEST(CodecRoundTrip, OneCodecManyPagesInARowReusesItsState) {
    // The contexts are reused page after page: a stale state would show as a wrong page here.
    CodecRegistry reg;
    for (const std::string& name : kAllCodecs) {
        auto c = make(reg, name);
        ASSERT_TRUE(c);
        for (uint64_t seed = 1; seed <= 40; ++seed)
            expect_round_trip(*c, make_page(kKinds[seed % 4], kPage, seed), name + " page " + std::to_string(seed));
    }
}

TEST(CodecRoundTrip, OutputBufferSmallerThanTheBoundIsRefusedNotOverrun) {
    CodecRegistry reg;
    const Bytes page = make_page(PageKind::random);
    for (const std::string& name : kAllCodecs) {
        auto c = make(reg, name);
        ASSERT_TRUE(c);
        const size_t bound = c->max_compressed_size(kPage);
        EXPECT_GE(bound, kPage) << name;
        Bytes out(bound - 1);  // exact-size heap block: ASan catches any write past it
        Result<size_t> r = c->compress(page, out);
        ASSERT_FALSE(r.is_ok()) << name;
        EXPECT_NE(r.status().message().find(name + ": output buffer of " + std::to_string(bound - 1) +
                                            " bytes is smaller than max_compressed_size(4096)"),
                  std::string::npos)
            << r.status().message();
    }
}

TEST(CodecRoundTrip, LzoBoundIsTheDocumentedFormula) {
    CodecRegistry reg;
    auto c = make(reg, "lzo");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->max_compressed_size(4096), 4096u + 4096 / 16 + 64 + 3);
}

}  // namespace
}  // namespace kdf::compress::test
