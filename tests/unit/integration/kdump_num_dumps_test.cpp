// KDUMP_NUM_DUMPS read as kdump-tools' sourced shell leaves it, and handed to targets as `keep`.
#include <gtest/gtest.h>

#include "core/config/target_validation.h"
#include "core/integration/kdump_num_dumps.h"

namespace {

using namespace kdf;
using integration::read_kdump_num_dumps;

TEST(KdumpNumDumps, TheLastAssignmentWinsQuotedOrNot) {
    auto n = read_kdump_num_dumps("#KDUMP_NUM_DUMPS=9\nKDUMP_NUM_DUMPS=3\nexport KDUMP_NUM_DUMPS=\"4\"  # four\n", "/d");
    ASSERT_TRUE(n.keep);
    EXPECT_EQ(*n.keep, 4u);
    EXPECT_EQ(n.where, "/d:3");
    n = read_kdump_num_dumps("KDUMP_NUM_DUMPS='2'\n", "/d");
    ASSERT_TRUE(n.keep);
    EXPECT_EQ(*n.keep, 2u);
}

TEST(KdumpNumDumps, UnsetZeroOrEmptyKeepsEverything) {
    EXPECT_FALSE(read_kdump_num_dumps("#KDUMP_NUM_DUMPS=\nUSE_KDUMP=1\n", "/d").keep);
    EXPECT_FALSE(read_kdump_num_dumps("KDUMP_NUM_DUMPS=0\n", "/d").keep);
    EXPECT_FALSE(read_kdump_num_dumps("KDUMP_NUM_DUMPS=\n", "/d").keep);
    EXPECT_FALSE(read_kdump_num_dumps("KDUMP_NUM_DUMPS=\"\"\n", "/d").keep);
}

TEST(KdumpNumDumps, ANonNumberIsReportedAndKeepsEverything) {
    auto n = read_kdump_num_dumps("KDUMP_NUM_DUMPS=two\n", "/etc/default/kdump-tools");
    EXPECT_FALSE(n.keep);
    EXPECT_EQ(n.problem, "/etc/default/kdump-tools:1: KDUMP_NUM_DUMPS='two' is not a number; the chain's targets keep "
                         "every dump they hold");
}

TEST(KdumpNumDumps, OnlyTargetsWhosePluginDeclaresKeepTakeItAndTheConfigWins) {
    chain::Config config;
    chain::TargetSpec with_keep, own_keep, without;
    with_keep.name = "a", own_keep.name = "b", without.name = "c";
    own_keep.plugin_options["keep"] = OptionValue{"5", "kdf.conf:9"};
    config.targets = {with_keep, own_keep, without};
    integration::inherit_keep(config, read_kdump_num_dumps("KDUMP_NUM_DUMPS=2\n", "/d"));

    Description retention_plugin;
    retention_plugin.name = "files";
    retention_plugin.options = {{"keep", OptionType::integer, false, "0", "", ""}};
    Description plain_plugin;
    plain_plugin.name = "raw";

    TargetConfig out;
    ASSERT_TRUE(chain::validate_target(config.targets[0], retention_plugin, out).empty());
    EXPECT_EQ(out.get("keep"), "2");
    EXPECT_EQ(out.where_of("keep"), "/d:1");
    ASSERT_TRUE(chain::validate_target(config.targets[1], retention_plugin, out).empty());
    EXPECT_EQ(out.get("keep"), "5");
    ASSERT_TRUE(chain::validate_target(config.targets[2], plain_plugin, out).empty()) << "no unknown-key error";
    EXPECT_EQ(out.find("keep"), nullptr);
}

}  // namespace
