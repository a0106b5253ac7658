// tests/unit/config/nearest_word_test.cpp - "did you mean" suggestions.
#include "core/config/nearest_word.h"

#include <gtest/gtest.h>

namespace kdf::chain {
namespace {

const std::vector<std::string> dump_keys{"level", "compress", "format", "dmesg", "threads"};

TEST(NearestWord, EditDistance) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("Level", "level"), 0u);  // case-insensitive
    EXPECT_EQ(edit_distance("levle", "level"), 2u);  // a swap is two edits
}

TEST(NearestWord, SuggestsCloseWords) {
    EXPECT_EQ(nearest_word("levle", dump_keys), "level");
    EXPECT_EQ(nearest_word("lvl", dump_keys), "level");
    EXPECT_EQ(nearest_word("compres", dump_keys), "compress");
    EXPECT_EQ(nearest_word("Format", dump_keys), "format");
    EXPECT_EQ(nearest_word("thread", dump_keys), "threads");
    // Long words tolerate more edits (a third of the length): 3 edits in 15 letters.
    EXPECT_EQ(nearest_word("conect_timeuot", {"connect_timeout", "stall_timeout"}), "connect_timeout");
}

TEST(NearestWord, NothingCloseGivesEmpty) {
    EXPECT_EQ(nearest_word("speed", dump_keys), "");
    EXPECT_EQ(nearest_word("x", dump_keys), "");
    EXPECT_EQ(nearest_word("ab", {"xy"}), "");       // a complete rewrite is no suggestion
    EXPECT_EQ(nearest_word("anything", {}), "");
}

TEST(NearestWord, TiesGoToTheEarlierCandidate) {
    EXPECT_EQ(nearest_word("bat", {"cat", "hat"}), "cat");
    EXPECT_EQ(nearest_word("bat", {"hat", "cat"}), "hat");
    EXPECT_EQ(nearest_word("bat", {"bats", "cat"}), "bats");
}

TEST(NearestWord, DidYouMean) {
    EXPECT_EQ(did_you_mean("pth", {"path"}), "; did you mean 'path'?");
    EXPECT_EQ(did_you_mean("zzzz", {"path"}), "");
}

}  // namespace
}  // namespace kdf::chain
