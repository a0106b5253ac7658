// tests/unit/config/dm_name_test.cpp - LVM device-mapper names to VG/LV.
#include "core/config/dm_name.h"

#include <gtest/gtest.h>

namespace kdf::chain {
namespace {

using Pair = std::pair<std::string, std::string>;

TEST(SplitDmName, PlainNames) {
    EXPECT_EQ(split_dm_name("vg-lv"), Pair("vg", "lv"));
    EXPECT_EQ(split_dm_name("a-b"), Pair("a", "b"));
    EXPECT_EQ(split_dm_name("rhel_node1-root"), Pair("rhel_node1", "root"));
}

TEST(SplitDmName, DoubledDashesAreLiteral) {
    EXPECT_EQ(split_dm_name("vg--data-lv--crash"), Pair("vg-data", "lv-crash"));
    EXPECT_EQ(split_dm_name("vg--a-lv--b"), Pair("vg-a", "lv-b"));
    EXPECT_EQ(split_dm_name("a--b-c"), Pair("a-b", "c"));
    EXPECT_EQ(split_dm_name("a-b--c"), Pair("a", "b-c"));
    EXPECT_EQ(split_dm_name("a--b--c-d"), Pair("a-b-c", "d"));
}

TEST(SplitDmName, OddRunsOfDashesPairGreedilyFromTheLeft) {
    // "---": "--" is a '-' in the VG, then the lone '-' separates ("a-" / "b").
    EXPECT_EQ(split_dm_name("a---b"), Pair("a-", "b"));
    EXPECT_EQ(split_dm_name("a-----b"), Pair("a--", "b"));
    EXPECT_EQ(split_dm_name("vg-lv--"), Pair("vg", "lv-"));
}

TEST(SplitDmName, NotAVgLvPair) {
    EXPECT_EQ(split_dm_name(""), std::nullopt);
    EXPECT_EQ(split_dm_name("cryptroot"), std::nullopt);   // no separator (a LUKS mapping)
    EXPECT_EQ(split_dm_name("a--b"), std::nullopt);        // only an escaped dash
    EXPECT_EQ(split_dm_name("a----b"), std::nullopt);      // two escaped dashes, no separator
    EXPECT_EQ(split_dm_name("a--"), std::nullopt);
    EXPECT_EQ(split_dm_name("-lv"), std::nullopt);         // empty VG
    EXPECT_EQ(split_dm_name("vg-"), std::nullopt);         // empty LV
    EXPECT_EQ(split_dm_name("-"), std::nullopt);
    EXPECT_EQ(split_dm_name("vg-lv-real"), std::nullopt);  // a snapshot layer, not a volume
    EXPECT_EQ(split_dm_name("luks-0b1c-77aa"), std::nullopt);
}

}  // namespace
}  // namespace kdf::chain
