// The command table and the plugin commands: the usage text is built from the table and lists the
// commands of the plugins found, with their plugin's name; a plugin command runs through the
// command; one named like a core command, or offered twice, is refused (fixtures cmda, cmdb).
#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;

TEST(CliCommands, HelpListsCoreAndPluginCommands) {
    Scratch s;
    CommandResult r = s.run("help");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* core : {"  dump [--config F] [--vmcore F]", "  check [--config F] [--probe]", "  version ",
                             "  generate [--config F]", "  help [--config F]"})
        EXPECT_NE(r.out.find(core), std::string::npos) << core << "\n" << r.out;
    EXPECT_NE(r.out.find("commands of the plugins found in " KDF_TEST_PLUGIN_DIR ":" KDF_PLUGIN_BUILD_DIR),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("  fixture-hello [WORDS...]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("say hello (plugin cmda)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  fixture-target TARGET"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("plugin 'cmda' command 'check' refused: kdump-failover has its own 'check' command"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("plugin 'cmdb' command 'fixture-hello' refused: plugin 'cmda' already offers it"),
              std::string::npos)
        << r.out;
    // The same text on a usage error, on stderr.
    CommandResult bare = s.run("");
    EXPECT_EQ(bare.exit_code, 2);
    EXPECT_NE(bare.err.find("  fixture-hello [WORDS...]"), std::string::npos) << bare.err;
    // Aliases reach the same entry.
    EXPECT_EQ(s.run("--help").out, r.out);
}

TEST(CliCommands, HelpWithoutPluginsListsNoPluginCommands) {
    Scratch s;
    CommandResult r = s.run("help", "KDF_PLUGIN_PATH=/nonexistent-kdf-plugins");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("fixture-hello"), std::string::npos) << r.out;
}

TEST(CliCommands, APluginCommandRunsThroughTheCommand) {
    Scratch s;
    CommandResult r = s.run("fixture-hello a b");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "hello from cmda: a b\n");  // cmda's, not cmdb's duplicate
}

TEST(CliCommands, APluginCommandGetsItsTargetsConfiguration) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = t\n\n[target t]\ntype = cmda\npath = " + s.path().string() + "\n");
    CommandResult r = s.run("fixture-target t --config " + conf.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "target t path " + s.path().string() + "\n");
    CommandResult none = s.run("fixture-target --config " + conf.string());
    EXPECT_EQ(none.exit_code, 2);
    EXPECT_NE(none.err.find("usage: kdump-failover fixture-target TARGET [--config F]"), std::string::npos) << none.err;
}

TEST(CliCommands, ACoreCommandIsNeverShadowedByAPlugin) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = t\n\n[target t]\ntype = cmda\npath = " + s.path().string() + "\n");
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("the plugin's check ran"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("configuration ok"), std::string::npos) << r.out;
}

TEST(CliCommands, AnUnknownCommandIsAUsageError) {
    Scratch s;
    CommandResult r = s.run("fixture-helo");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'fixture-helo' (try: kdump-failover help)"), std::string::npos) << r.err;
}

}  // namespace
