// `kdump-failover generate` and `post` as a user runs them: real files, the real command.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_files.h"
#include "tests/support/temp_dir.h"

namespace kdf::test {
namespace {

class GenerateCommand : public ::testing::Test {
protected:
    TempDir dir{"kdf-generate"};
    std::string config, kdump_conf, kdump_tools;

    void SetUp() override {
        std::filesystem::create_directories(dir / "crash");
        config = dir.write("kdump-failover.conf", "[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = " +
                                                      dir.file("crash") + "\n");
        kdump_conf = dir.write("kdump.conf", data_file("fedora-kdump.conf"));
        kdump_tools = dir.write("kdump-tools", data_file("debian-kdump-tools"));
    }
    std::string args(const std::string& extra = "") const {
        return "generate --config " + quote(config) + " --kdump-conf " + quote(kdump_conf) + " --kdump-tools " +
               quote(kdump_tools) + extra;
    }
};

TEST_F(GenerateCommand, TwiceIsIdempotentWithOneBackup) {
    CliRun first = run_cli(args());
    ASSERT_EQ(first.status, 0) << first.output;
    const std::string conf1 = read_file(kdump_conf), tools1 = read_file(kdump_tools);
    EXPECT_TRUE(conf1.starts_with(data_file("fedora-kdump.conf")));
    EXPECT_NE(conf1.find("dracut_args --add kdump-failover\n"), std::string::npos);
    // Only the executable: kdumpctl refuses a non-executable extra_bins entry ("... is not executable").
    EXPECT_NE(conf1.find("\nextra_bins " + std::string(KDF_CLI) + "\n"), std::string::npos) << conf1;
    EXPECT_NE(conf1.find("\n# inputs digest: fnv1a64:"), std::string::npos) << conf1;
    EXPECT_TRUE(tools1.starts_with(data_file("debian-kdump-tools")));
    EXPECT_EQ(read_file(kdump_conf + ".kdump-failover.bak"), data_file("fedora-kdump.conf"));
    EXPECT_EQ(read_file(kdump_tools + ".kdump-failover.bak"), data_file("debian-kdump-tools"));

    CliRun second = run_cli(args());
    ASSERT_EQ(second.status, 0) << second.output;
    EXPECT_NE(second.output.find(kdump_conf + ": up to date"), std::string::npos) << second.output;
    EXPECT_NE(second.output.find(kdump_tools + ": up to date"), std::string::npos) << second.output;
    EXPECT_EQ(read_file(kdump_conf), conf1);
    EXPECT_EQ(read_file(kdump_tools), tools1);
}

TEST_F(GenerateCommand, AChangedInputRewritesTheDigestLine) {
    ASSERT_EQ(run_cli(args()).status, 0);
    const std::string conf1 = read_file(kdump_conf);
    // Same meaning, different bytes: kdumpctl must still rebuild, since the image holds the file.
    config = dir.write("kdump-failover.conf", read_file(config) + "# a comment\n");
    CliRun r = run_cli(args());
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string conf2 = read_file(kdump_conf);
    EXPECT_NE(conf2, conf1);
    EXPECT_NE(r.output.find("inputs digest: fnv1a64:"), std::string::npos) << r.output;
    EXPECT_EQ(conf2.substr(0, conf2.find("# inputs digest")), conf1.substr(0, conf1.find("# inputs digest")));
}

TEST_F(GenerateCommand, UpgradeTakesTheNonExecutablesOutOfExtraBins) {
    // What earlier versions wrote: the config and a plugin in extra_bins, which kdumpctl refuses.
    const std::string user = data_file("fedora-kdump.conf") + "extra_bins /usr/bin/lvm\n";
    kdump_conf = dir.write("kdump.conf", data_file("fedora-kdump.conf") + "extra_bins /usr/bin/lvm " + std::string(KDF_CLI) +
                                             " /x/kdf-transport-local.so " + config +
                                             "\n# >>> kdump-failover >>> old note\n"
                                             "# added to your extra_bins line: " + std::string(KDF_CLI) +
                                             " /x/kdf-transport-local.so " + config +
                                             "\nkdump_post /old/kdump-post\ndracut_args --add kdump-failover\n"
                                             "# <<< kdump-failover <<<\n");
    CliRun r = run_cli(args());
    ASSERT_EQ(r.status, 0) << r.output;
    const std::string conf = read_file(kdump_conf);
    EXPECT_NE(conf.find("\nextra_bins /usr/bin/lvm " + std::string(KDF_CLI) + "\n"), std::string::npos) << conf;
    EXPECT_EQ(conf.find("kdf-transport-local.so"), std::string::npos) << conf;
    EXPECT_EQ(conf.find(config + "\n"), std::string::npos) << "the config is no longer in extra_bins\n" << conf;
    ASSERT_EQ(run_cli("generate --remove --kdump-conf " + quote(kdump_conf)).status, 0);
    EXPECT_EQ(read_file(kdump_conf), user);
}

TEST_F(GenerateCommand, RemoveRestoresBothFilesByteForByte) {
    // The user's own extra_bins and dracut_args lines get our words added; the last line has no newline.
    const std::string original = data_file("fedora-kdump.conf") +
                                 "extra_bins /usr/bin/lvm   # mine\r\ndracut_args --omit plymouth\nfinal_action reboot";
    kdump_conf = dir.write("kdump.conf", original);
    ASSERT_EQ(run_cli(args()).status, 0);
    ASSERT_NE(read_file(kdump_conf), original);
    ASSERT_NE(read_file(kdump_tools), data_file("debian-kdump-tools"));

    // The config is gone by now (package removal): --remove does not need it.
    std::filesystem::remove(config);
    const std::string remove = "generate --remove --kdump-conf " + quote(kdump_conf) + " --kdump-tools " + quote(kdump_tools);
    CliRun r = run_cli(remove);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(kdump_conf + ": kdump-failover removed"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(kdump_conf), original);
    EXPECT_EQ(read_file(kdump_tools), data_file("debian-kdump-tools"));
    EXPECT_FALSE(std::filesystem::exists(kdump_conf + ".kdump-failover.bak")) << "an identical backup is clutter";

    CliRun again = run_cli(remove);
    ASSERT_EQ(again.status, 0) << again.output;
    EXPECT_NE(again.output.find(kdump_conf + ": no kdump-failover lines; nothing to remove"), std::string::npos) << again.output;
    EXPECT_EQ(read_file(kdump_conf), original);
}

TEST_F(GenerateCommand, RemoveRefusesAHandBrokenBlockAndChangesNothing) {
    const std::string broken = data_file("fedora-kdump.conf") + "# >>> kdump-failover >>>\nextra_bins /x\n";
    kdump_conf = dir.write("kdump.conf", broken);
    ASSERT_EQ(run_cli("generate --config " + quote(config) + " --kdump-tools " + quote(kdump_tools)).status, 0);
    const std::string tools = read_file(kdump_tools);
    CliRun r = run_cli("generate --remove --kdump-conf " + quote(kdump_conf) + " --kdump-tools " + quote(kdump_tools));
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("nothing was changed"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(kdump_conf), broken);
    EXPECT_EQ(read_file(kdump_tools), tools);
}

TEST_F(GenerateCommand, DryRunChangesNothing) {
    CliRun r = run_cli(args(" --dry-run"));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("would change"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(kdump_conf), data_file("fedora-kdump.conf"));
    EXPECT_FALSE(std::filesystem::exists(kdump_conf + ".kdump-failover.bak"));
}

TEST_F(GenerateCommand, InvalidConfigChangesNothingAndExits2WithFileLine) {
    config = dir.write("kdump-failover.conf", "[chain]\ntargets = disk\n\n[target disk]\ntype = local\nlevel = 99\n");
    CliRun r = run_cli(args());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(config + ":"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(kdump_conf), data_file("fedora-kdump.conf"));
    EXPECT_EQ(read_file(kdump_tools), data_file("debian-kdump-tools"));
    EXPECT_FALSE(std::filesystem::exists(kdump_conf + ".kdump-failover.bak"));
    EXPECT_FALSE(std::filesystem::exists(kdump_tools + ".kdump-failover.bak"));
}

TEST_F(GenerateCommand, UnknownPluginChangesNothingAndExits2) {
    config = dir.write("kdump-failover.conf", "[chain]\ntargets = a\n\n[target a]\ntype = no-such-transport\n");
    CliRun r = run_cli(args());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(config + ":4: target 'a'"), std::string::npos) << r.output;
    EXPECT_EQ(read_file(kdump_conf), data_file("fedora-kdump.conf"));
}

TEST_F(GenerateCommand, HandBrokenBlockChangesNoFile) {
    const std::string broken = data_file("fedora-kdump.conf") + "# >>> kdump-failover >>>\nextra_bins /x\n";
    kdump_conf = dir.write("kdump.conf", broken);
    CliRun r = run_cli(args());
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_EQ(read_file(kdump_conf), broken);
    EXPECT_EQ(read_file(kdump_tools), data_file("debian-kdump-tools")) << "the other file must not change either";
}

TEST_F(GenerateCommand, ManifestPrintsWhatTheInitramfsNeeds) {
    CliRun r = run_cli("generate --manifest --config " + quote(config));
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("config\t" + config + "\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("plugin\t" KDF_PLUGIN_BUILD_DIR "/kdf-transport-local.so\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("network\tno\n"), std::string::npos) << r.output;
}

TEST_F(GenerateCommand, PostStatusStillWorks) {
    // kdump's own dump succeeded: nothing to do; it failed: the chain saves the vmcore.
    const std::string vmcore = dir.file("vmcore");
    ASSERT_EQ(std::system(("xz -dc " + quote(std::string(KDF_SHARED_DIR) + "/fixtures/dump/synthetic.elf.xz") + " > " +
                           quote(vmcore))
                              .c_str()),
              0);
    CliRun ok = run_cli("post 0 --config " + quote(config) + " --vmcore " + quote(vmcore));
    EXPECT_EQ(ok.status, 0) << ok.output;
    EXPECT_NE(ok.output.find("nothing to do"), std::string::npos) << ok.output;
    EXPECT_TRUE(std::filesystem::is_empty(dir / "crash"));

    CliRun failed = run_cli("post 1 --config " + quote(config) + " --vmcore " + quote(vmcore));
    EXPECT_EQ(failed.status, 0) << failed.output;
    EXPECT_NE(failed.output.find("dump saved by target 'disk'"), std::string::npos) << failed.output;
    EXPECT_FALSE(std::filesystem::is_empty(dir / "crash"));
}

}  // namespace
}  // namespace kdf::test
