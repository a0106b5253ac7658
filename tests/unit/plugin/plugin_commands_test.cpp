// Plugin commands are discovered from the plugins on the search path; a name the core uses, or one
// an earlier plugin offers, is refused (fixtures cmda and cmdb in tests/plugins/).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/plugin/plugin_commands.h"

namespace {

using kdf::plugin::CommandDiscovery;
using kdf::plugin::discover_plugin_commands;

const kdf::plugin::DiscoveredCommand* offered(const CommandDiscovery& d, const std::string& name) {
    auto it = std::find_if(d.commands.begin(), d.commands.end(), [&](const auto& c) { return c.info.name == name; });
    return it == d.commands.end() ? nullptr : &*it;
}

bool refused(const CommandDiscovery& d, const std::string& line) {
    return std::find(d.refused.begin(), d.refused.end(), line) != d.refused.end();
}

TEST(PluginCommands, AreDiscoveredWithTheirPluginsName) {
    CommandDiscovery d = discover_plugin_commands({KDF_TEST_PLUGIN_DIR}, {"check", "dump"});
    const auto* hello = offered(d, "fixture-hello");
    ASSERT_NE(hello, nullptr);
    EXPECT_EQ(hello->plugin, "cmda");
    EXPECT_EQ(hello->file, std::string(KDF_TEST_PLUGIN_DIR) + "/kdf-transport-cmda.so");
    EXPECT_EQ(hello->info.usage, "[WORDS...]");
    const auto* target = offered(d, "fixture-target");
    ASSERT_NE(target, nullptr);
    EXPECT_TRUE(target->info.needs_target);
}

TEST(PluginCommands, ANameTheCoreUsesIsRefused) {
    CommandDiscovery d = discover_plugin_commands({KDF_TEST_PLUGIN_DIR}, {"check", "dump"});
    EXPECT_EQ(offered(d, "check"), nullptr);
    EXPECT_TRUE(refused(d, "plugin 'cmda' command 'check' refused: kdump-failover has its own 'check' command"))
        << testing::PrintToString(d.refused);
    // Without that core name the same command is usable: the refusal comes from the collision alone.
    CommandDiscovery without = discover_plugin_commands({KDF_TEST_PLUGIN_DIR}, {"dump"});
    EXPECT_NE(offered(without, "check"), nullptr);
}

TEST(PluginCommands, ASecondPluginOfferingTheSameNameIsRefused) {
    CommandDiscovery d = discover_plugin_commands({KDF_TEST_PLUGIN_DIR}, {});
    EXPECT_EQ(offered(d, "fixture-hello")->plugin, "cmda");
    EXPECT_TRUE(refused(d, "plugin 'cmdb' command 'fixture-hello' refused: plugin 'cmda' already offers it"))
        << testing::PrintToString(d.refused);
}

TEST(PluginCommands, AnEmptySearchPathOffersNothing) {
    CommandDiscovery d = discover_plugin_commands({"/nonexistent-kdf-plugins"}, {"check"});
    EXPECT_TRUE(d.commands.empty());
    EXPECT_TRUE(d.refused.empty());
}

}  // namespace
