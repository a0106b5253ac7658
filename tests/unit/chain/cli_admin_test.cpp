// The administrator's commands: plugins, check (offline and --probe), version, usage errors.
#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;

TEST(CliPlugins, ListsTheLocalPluginWithCapabilitiesAndOptions) {
    Scratch s;
    // Without KDF_PLUGIN_PATH: the built-in search path (next to the executable) must find it.
    fs::path out = s.path("out");
    int rc = std::system((std::string(KDF_CLI) + " plugins --config /nonexistent.conf >'" + out.string() + "' 2>&1").c_str());
    EXPECT_NE(rc, 0) << "an explicit config that does not exist is an error";
    rc = std::system((std::string("cd / && ") + KDF_CLI + " plugins >'" + out.string() + "' 2>&1").c_str());
    std::string text = read_file(out);
    EXPECT_EQ(WEXITSTATUS(rc), 0) << text;
    EXPECT_NE(text.find("local 0.1.0  " KDF_PLUGIN_BUILD_DIR "/kdf-transport-local.so"), std::string::npos) << text;
    EXPECT_NE(text.find("capabilities: positional_write atomic_commit durable_sync"), std::string::npos) << text;
    EXPECT_NE(text.find("    path "), std::string::npos) << text;
}

TEST(CliPlugins, ShowsBrokenPluginsWithTheirReason) {
    Scratch s;
    CommandResult r = s.run("plugins");
    EXPECT_EQ(r.exit_code, 1);  // broken fixtures are on the path
    EXPECT_NE(r.out.find("wrongabi  BROKEN: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hang 0.0.1"), std::string::npos) << r.out;
}

TEST(CliCheck, ValidatesPluginOptionsOffline) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = primary\n\n[target primary]\ntype = local\npth = /var/crash\n");
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(conf.string() + ":6: target 'primary': unknown option 'pth'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did you mean 'path'?"), std::string::npos) << r.err;
}

TEST(CliCheck, ProbeReportsEachTarget) {
    Scratch s;
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = primary backup\n\n[target primary]\ntype = local\npath = " +
                         s.path("absent").string() + "\n\n[target backup]\ntype = local\npath = " + crash.string() +
                         "\nreserve = 0\n");
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = s.run("check --probe --config " + conf.string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("target 'primary' [probe]: "), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("target 'backup' (local): probe ok: "), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(s.path("absent")));
}

TEST(Cli, UsageErrors) {
    Scratch s;
    EXPECT_EQ(s.run("").exit_code, 2);
    CommandResult r = s.run("dmup");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'dmup'"), std::string::npos);
    EXPECT_EQ(s.run("dump --bogus").exit_code, 2);
    EXPECT_EQ(s.run("save onlyone").exit_code, 2);
    EXPECT_EQ(s.run("version").exit_code, 0);
}

}  // namespace
