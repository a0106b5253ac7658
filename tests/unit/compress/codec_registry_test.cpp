// The registry: names, unknown names, flags for readers, and refused registrations.
#include <gtest/gtest.h>

#include "core/format/kdump_header.h"
#include "test_pages.h"

namespace kdf::compress::test {
namespace {

namespace kd = kdf::format::kdump;

TEST(CodecRegistry, ListsTheBuiltInCodecsInOrder) {
    CodecRegistry reg;
    EXPECT_TRUE(reg.status().is_ok());
    EXPECT_EQ(reg.names(), kAllCodecs);
}

// The one registry the program shares is built once, with every built-in codec.
TEST(CodecRegistry, TheBuiltInRegistryIsOneSharedInstance) {
    const CodecRegistry& shared = builtin_codecs();
    EXPECT_EQ(&shared, &builtin_codecs());
    EXPECT_TRUE(shared.status().is_ok());
    EXPECT_EQ(shared.names(), kAllCodecs);
    auto zstd = shared.create("zstd");
    ASSERT_TRUE(zstd.is_ok()) << zstd.status().to_string();
    EXPECT_EQ(zstd.value()->kdump_flag(), kdump_page_flags::kCompressedZstd);
}

TEST(CodecRegistry, UnknownNameListsTheKnownOnes) {
    CodecRegistry reg;
    auto r = reg.create("brotli");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), Code::invalid_config);
    EXPECT_EQ(r.status().message(), "unknown compression 'brotli'; known: none, zlib, lzo, lz4, zstd");
    // Names are exact, as written in configs.
    EXPECT_FALSE(reg.create("ZSTD").is_ok());
    EXPECT_FALSE(reg.create("").is_ok());
}

TEST(CodecRegistry, EachCodecCarriesItsKdumpFlag) {
    CodecRegistry reg;
    const std::pair<std::string, uint32_t> expected[] = {
        {"none", 0}, {"zlib", kd::kCompressedZlib}, {"lzo", kd::kCompressedLzo},
        {"lz4", kd::kCompressedLz4Kdf}, {"zstd", kd::kCompressedZstd}};
    EXPECT_EQ(kd::kCompressedZlib, 0x1u);
    EXPECT_EQ(kd::kCompressedLzo, 0x2u);
    EXPECT_EQ(kd::kCompressedZstd, 0x20u);
    EXPECT_EQ(kd::kCompressedLz4Kdf, 0x100u);
    for (const auto& [name, flag] : expected) {
        auto c = make(reg, name);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->kdump_flag(), flag) << name;

        auto by_flag = reg.create_for_flag(flag);
        ASSERT_TRUE(by_flag.is_ok()) << by_flag.status().to_string();
        EXPECT_EQ(by_flag.value()->name(), name);
        EXPECT_EQ(by_flag.value()->kdump_flag(), flag);
    }
}

TEST(CodecRegistry, ReaderDecompressesWhatAWriterOfTheSameFlagWrote) {
    CodecRegistry reg;
    const Bytes page = make_page(PageKind::text);
    for (const std::string& name : kAllCodecs) {
        auto writer = make(reg, name, name == "zstd" ? std::optional<int>(19) : std::nullopt);
        ASSERT_TRUE(writer);
        Bytes packed = compress_all(*writer, page);
        auto reader = reg.create_for_flag(writer->kdump_flag());
        ASSERT_TRUE(reader.is_ok());
        Bytes back(kPage);
        ASSERT_TRUE(reader.value()->decompress(packed, back).is_ok()) << name;
        EXPECT_TRUE(back == page) << name;
    }
}

TEST(CodecRegistry, SnappyIsNotSupportedAndUnknownFlagsAreCorrupt) {
    CodecRegistry reg;
    auto snappy = reg.create_for_flag(kd::kCompressedSnappy);
    ASSERT_FALSE(snappy.is_ok());
    EXPECT_EQ(snappy.status().code(), Code::not_supported);
    EXPECT_NE(snappy.status().message().find("snappy"), std::string::npos);

    for (uint32_t flag : {0x3u, kd::kCompressedIncomplete, 0x40u, 0x80000000u}) {
        auto r = reg.create_for_flag(flag);
        ASSERT_FALSE(r.is_ok()) << flag;
        EXPECT_EQ(r.status().code(), Code::corrupt);
        EXPECT_NE(r.status().message().find("unknown page compression flag"), std::string::npos);
        EXPECT_NE(r.status().message().find("known: 0x0 none, 0x1 zlib, 0x2 lzo, 0x100 lz4, 0x20 zstd"),
                  std::string::npos)
            << r.status().message();
    }
}

// A real (if trivial) codec to register from outside: stores pages bitwise inverted.
class InvertCodec final : public Codec {
public:
    explicit InvertCodec(int level) noexcept : Codec("invert", 0x4000, level) {}

private:
    size_t do_max_compressed_size(size_t n) const noexcept override { return n; }
    Result<size_t> do_compress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        for (size_t i = 0; i < in.size(); ++i) out[i] = ~in[i];
        return in.size();
    }
    Result<size_t> do_decompress(std::span<const std::byte> in, std::span<std::byte> out) noexcept override {
        if (in.size() > out.size()) return Status::error(Code::corrupt, "too long");
        for (size_t i = 0; i < in.size(); ++i) out[i] = ~in[i];
        return in.size();
    }
};

Result<std::unique_ptr<Codec>> make_invert(int level) noexcept {
    return std::unique_ptr<Codec>(std::make_unique<InvertCodec>(level));
}

CodecRegistry::Entry invert_entry() {
    return {.name = "invert", .kdump_flag = 0x4000, .min_level = 0, .max_level = 3, .default_level = 2,
            .level_note = "", .make = make_invert};
}

TEST(CodecRegistry, AddedCodecIsCreatedByNameAndFlag) {
    CodecRegistry reg;
    ASSERT_TRUE(reg.add(invert_entry()).is_ok());
    EXPECT_EQ(reg.names().back(), "invert");
    auto c = make(reg, "invert");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->level(), 2);
    auto f = reg.create_for_flag(0x4000);
    ASSERT_TRUE(f.is_ok());
    EXPECT_EQ(f.value()->name(), "invert");
    auto bad = reg.create("invert", 4);
    ASSERT_FALSE(bad.is_ok());
    EXPECT_EQ(bad.status().message(), "invert: compression level 4 is out of range; accepted: 0..3");
    // The unknown-name list grows with it.
    EXPECT_NE(reg.create("x").status().message().find("known: none, zlib, lzo, lz4, zstd, invert"),
              std::string::npos);
}

TEST(CodecRegistry, DuplicateNameIsRefused) {
    CodecRegistry reg;
    CodecRegistry::Entry e = invert_entry();
    e.name = "zstd";
    Status s = reg.add(e);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), Code::invalid_config);
    EXPECT_EQ(s.message(), "codec registry: codec 'zstd' is registered twice");

    ASSERT_TRUE(reg.add(invert_entry()).is_ok());
    EXPECT_FALSE(reg.add(invert_entry()).is_ok());  // a second add of the same entry
    EXPECT_EQ(reg.names().size(), kAllCodecs.size() + 1);
}

TEST(CodecRegistry, DuplicateFlagIsRefused) {
    CodecRegistry reg;
    CodecRegistry::Entry e = invert_entry();
    e.kdump_flag = kd::kCompressedZstd;
    Status s = reg.add(e);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.message(), "codec registry: codec 'invert' uses page flag 0x20, already taken by 'zstd'");
    EXPECT_EQ(reg.names(), kAllCodecs);
}

TEST(CodecRegistry, MalformedEntriesAreRefused) {
    CodecRegistry reg;
    CodecRegistry::Entry no_name = invert_entry();
    no_name.name.clear();
    EXPECT_EQ(reg.add(no_name).message(), "codec registry: a codec has no name");

    CodecRegistry::Entry no_factory = invert_entry();
    no_factory.make = nullptr;
    EXPECT_EQ(reg.add(no_factory).message(), "codec registry: codec 'invert' has no factory");

    CodecRegistry::Entry bad_default = invert_entry();
    bad_default.default_level = 7;
    EXPECT_EQ(reg.add(bad_default).message(), "codec registry: codec 'invert' has default level 7 outside its range 0..3");
    EXPECT_EQ(reg.names(), kAllCodecs);
}

TEST(CodecRegistry, CodecsAreIndependentObjects) {
    // Two codecs of one kind share no state: interleaving them must not mix their streams.
    CodecRegistry reg;
    for (const std::string& name : kAllCodecs) {
        auto a = make(reg, name);
        auto b = make(reg, name);
        ASSERT_TRUE(a && b);
        const Bytes pa = make_page(PageKind::text, kPage, 7), pb = make_page(PageKind::pattern, kPage, 9);
        Bytes ca = compress_all(*a, pa), cb = compress_all(*b, pb);
        Bytes ra(kPage), rb(kPage);
        ASSERT_TRUE(b->decompress(ca, ra).is_ok());
        ASSERT_TRUE(a->decompress(cb, rb).is_ok());
        EXPECT_TRUE(ra == pa && rb == pb) << name;
    }
}

}  // namespace
}  // namespace kdf::compress::test
