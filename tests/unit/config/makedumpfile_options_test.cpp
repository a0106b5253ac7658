// tests/unit/config/makedumpfile_options_test.cpp - reading a core_collector command line.
#include "core/config/makedumpfile_options.h"

#include <gtest/gtest.h>

namespace kdf::chain {
namespace {

TEST(MakedumpfileOptions, ShippedKdumpFailoverCollector) {
    MakedumpfileOptions m = parse_makedumpfile_options("makedumpfile -l --message-level 1 -d 31");
    EXPECT_TRUE(m.is_makedumpfile);
    EXPECT_EQ(m.level, 31);
    EXPECT_EQ(m.level_flag, "-d 31");
    EXPECT_EQ(m.compress, "lzo");
    EXPECT_EQ(m.compress_flag, "-l");
    EXPECT_EQ(m.message_level, 1);
    EXPECT_FALSE(m.format);
    EXPECT_TRUE(m.ignored.empty());
}

TEST(MakedumpfileOptions, EveryUnderstoodForm) {
    MakedumpfileOptions m = parse_makedumpfile_options("/usr/sbin/makedumpfile -c -d17 -F --num-threads=4 --message-level=7");
    EXPECT_TRUE(m.is_makedumpfile);
    EXPECT_EQ(m.compress, "zlib");
    EXPECT_EQ(m.level, 17);
    EXPECT_EQ(m.format, "flat");
    EXPECT_EQ(m.threads, 4);
    EXPECT_EQ(m.message_level, 7);

    EXPECT_EQ(parse_makedumpfile_options("makedumpfile -z").compress, "zstd");
    EXPECT_EQ(parse_makedumpfile_options("makedumpfile -p").compress, "snappy");
    EXPECT_EQ(parse_makedumpfile_options("makedumpfile --lz4").compress, "lz4");
    EXPECT_EQ(parse_makedumpfile_options("makedumpfile -E").format, "elf");
    EXPECT_TRUE(parse_makedumpfile_options("makedumpfile --non-mmap -l -d 31").non_mmap);
    EXPECT_FALSE(m.non_mmap);

    // A getopt cluster: -l, then -d taking the next word.
    MakedumpfileOptions c = parse_makedumpfile_options("makedumpfile -ld 31");
    EXPECT_EQ(c.compress, "lzo");
    EXPECT_EQ(c.level, 31);
}

TEST(MakedumpfileOptions, UnknownWordsAreKept) {
    MakedumpfileOptions m = parse_makedumpfile_options("makedumpfile --cyclic-buffer 100 -X -d");
    EXPECT_EQ(m.ignored, (std::vector<std::string>{"--cyclic-buffer", "100", "-X", "-d"}));
    EXPECT_FALSE(m.level);
}

TEST(MakedumpfileOptions, OtherCollectors) {
    MakedumpfileOptions m = parse_makedumpfile_options("cp --sparse=always");
    EXPECT_FALSE(m.is_makedumpfile);
    EXPECT_EQ(m.program, "cp");
    EXPECT_FALSE(parse_makedumpfile_options("").is_makedumpfile);
}

}  // namespace
}  // namespace kdf::chain
