// tests/unit/config/config_load_test.cpp - configs that load, and what they load to.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config_test_support.h"

namespace kdf::chain::test {
namespace {

TEST(ConfigLoad, SmallestArchitectureConfigLoadsWithDefaults) {
    ConfigFile f(smallest_config());
    ASSERT_TRUE(f.result().errors.empty()) << f.result().errors.front();
    ASSERT_TRUE(f.result().config);
    const Config& c = *f.result().config;
    EXPECT_EQ(c.path, f.path());
    EXPECT_FALSE(c.legacy);
    EXPECT_TRUE(c.notices.empty());

    EXPECT_EQ(c.dump.level, 0);
    EXPECT_EQ(c.dump.compress, "zlib");
    EXPECT_EQ(c.dump.format, "auto");
    EXPECT_TRUE(c.dump.dmesg);
    EXPECT_EQ(c.dump.threads, 0u);
    EXPECT_TRUE(c.dump.mmap);  // makedumpfile reads /proc/vmcore through mmap by default too

    EXPECT_EQ(c.chain.targets, (std::vector<std::string>{"primary", "backup"}));
    EXPECT_EQ(c.chain.name_pattern, "{host}-{date}");
    EXPECT_FALSE(c.chain.mirror);
    EXPECT_TRUE(c.chain.plugin_path.empty());
    EXPECT_EQ(c.chain.where, f.path() + ":1");
    EXPECT_FALSE(c.fence);

    ASSERT_EQ(c.targets.size(), 2u);
    const TargetSpec& p = c.targets[0];
    EXPECT_EQ(p.name, "primary");
    EXPECT_EQ(p.type, "local");
    EXPECT_EQ(p.where, f.path() + ":4");
    EXPECT_EQ(p.connect_ms, 60'000u);
    EXPECT_EQ(p.stall_ms, 60'000u);
    EXPECT_EQ(p.total_ms, 0u);
    ASSERT_EQ(p.plugin_options.size(), 1u);
    EXPECT_EQ(p.plugin_options.at("path").text, "/mnt/nfs-crash");
    EXPECT_EQ(p.plugin_options.at("path").where, f.path() + ":6");

    const TargetSpec& b = c.targets[1];
    EXPECT_EQ(b.name, "backup");
    EXPECT_EQ(b.type, "local");
    EXPECT_EQ(b.where, f.path() + ":8");
    EXPECT_EQ(b.plugin_options.at("path").text, "/var/crash");
    EXPECT_EQ(b.plugin_options.at("path").where, f.path() + ":10");
}

TEST(ConfigLoad, TargetsComeInChainOrderNotFileOrder) {
    ConfigFile f("[target b]\ntype = local\n[target a]\ntype = ssh\n[chain]\ntargets = a b\n");
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    ASSERT_EQ(f.result().config->targets.size(), 2u);
    EXPECT_EQ(f.result().config->targets[0].name, "a");
    EXPECT_EQ(f.result().config->targets[0].type, "ssh");
    EXPECT_EQ(f.result().config->targets[1].name, "b");
}

// compress = auto and readers in [dump]; a target's own compress/readers are the chain's keys, not
// the plugin's, and default to [dump]'s (empty here).
TEST(ConfigLoad, CompressAutoPerDumpAndPerTarget) {
    ConfigFile f("[dump]\ncompress = auto\nreaders = makedumpfile-1.7.2\n[chain]\ntargets = a b\n"
                 "[target a]\ntype = ssh\ncompress = auto\nreaders = any\n[target b]\ntype = local\ncompress = lzo\n");
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    const Config& c = *f.result().config;
    EXPECT_EQ(c.dump.compress, "auto");
    EXPECT_EQ(c.dump.readers, "makedumpfile-1.7.2");
    EXPECT_EQ(c.targets[0].compress, "auto");
    EXPECT_EQ(c.targets[0].readers, "any");
    EXPECT_EQ(c.targets[0].plugin_options.count("compress"), 0u);
    EXPECT_EQ(c.targets[0].plugin_options.count("readers"), 0u);
    EXPECT_EQ(c.targets[1].compress, "lzo");
    EXPECT_EQ(c.targets[1].readers, "");
}

TEST(ConfigLoad, CommentsSpacingAndCrLf) {
    ConfigFile f("# full-line comment\r\n"
                 "   ; another one, indented\r\n"
                 "\r\n"
                 "[dump]   # inline comment after a header\r\n"
                 "dmesg=yes#maybe\r\n");
    // '#' without a blank before it is part of the value, so "yes#maybe" is not a boolean.
    ASSERT_EQ(f.result().errors.size(), 2u);  // and there is no [chain]
    EXPECT_EQ(f.result().errors[0], f.path() + ":5: dmesg = yes#maybe: expected yes or no");

    ConfigFile g("[dump]\r\n"
                 "dmesg=no    # inline comment\r\n"
                 "threads   =   4\t# tab before\r\n"
                 "[chain]\r\n"
                 "targets=primary\r\n"
                 "[target primary]\r\n"
                 "type = local\r\n"
                 "path = /var/crash#1   # the '#1' stays: no blank before it\r\n");
    ASSERT_TRUE(g.result().config) << g.result().errors.front();
    const Config& c = *g.result().config;
    EXPECT_FALSE(c.dump.dmesg);
    EXPECT_EQ(c.dump.threads, 4u);
    EXPECT_EQ(c.targets.at(0).plugin_options.at("path").text, "/var/crash#1");
}

TEST(ConfigLoad, FullConfig) {
    ConfigFile f("[dump]\n"
                 "level = 0\n"
                 "compress = none\n"
                 "format = elf\n"
                 "dmesg = off\n"
                 "threads = 8\n"
                 "mmap = no\n"  // in place of the blank line: the file:line checks below stay put
                 "[chain]\n"
                 "targets = nfs-a local.disk_2\n"
                 "name = crash-{host}-at-{date}\n"
                 "mirror = yes\n"
                 "plugin_path = /opt/kdf/plugins::/usr/local/lib/kdf\n"
                 "\n"
                 "[target nfs-a]\n"
                 "type = nfs\n"
                 "server = 10.0.0.5\n"
                 "export = /dumps\n"
                 "connect_timeout = 90\n"
                 "stall_timeout = 2m\n"
                 "total_timeout = 1h\n"
                 "\n"
                 "[target local.disk_2]\n"
                 "type = local\n"
                 "path = /var/crash\n"
                 "total_timeout = none\n"
                 "connect_timeout = 1500ms\n"
                 "\n"
                 "[fence_kdump]\n"
                 "nodes = node1 node2  10.0.0.7\n"
                 "port = 7411\n"
                 "interval = 5s\n");
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    const Config& c = *f.result().config;
    EXPECT_EQ(c.dump.format, "elf");
    EXPECT_FALSE(c.dump.dmesg);
    EXPECT_EQ(c.dump.threads, 8u);
    EXPECT_FALSE(c.dump.mmap);
    EXPECT_EQ(c.chain.targets, (std::vector<std::string>{"nfs-a", "local.disk_2"}));
    EXPECT_EQ(c.chain.name_pattern, "crash-{host}-at-{date}");
    EXPECT_TRUE(c.chain.mirror);
    EXPECT_EQ(c.chain.plugin_path, (std::vector<std::string>{"/opt/kdf/plugins", "/usr/local/lib/kdf"}));
    EXPECT_EQ(c.chain.where, f.path() + ":8");

    ASSERT_EQ(c.targets.size(), 2u);
    const TargetSpec& n = c.targets[0];
    EXPECT_EQ(n.type, "nfs");
    EXPECT_EQ(n.connect_ms, 90'000u);
    EXPECT_EQ(n.stall_ms, 120'000u);
    EXPECT_EQ(n.total_ms, 3'600'000u);
    EXPECT_EQ(n.plugin_options.size(), 2u);  // host keys are not plugin options
    EXPECT_EQ(n.plugin_options.at("server").text, "10.0.0.5");
    EXPECT_EQ(n.plugin_options.at("export").where, f.path() + ":17");
    const TargetSpec& l = c.targets[1];
    EXPECT_EQ(l.total_ms, 0u);
    EXPECT_EQ(l.connect_ms, 1500u);
    EXPECT_EQ(l.stall_ms, 60'000u);

    ASSERT_TRUE(c.fence);
    EXPECT_EQ(c.fence->nodes, (std::vector<std::string>{"node1", "node2", "10.0.0.7"}));
    EXPECT_EQ(c.fence->port, 7411);
    EXPECT_EQ(c.fence->interval_ms, 5'000u);
    EXPECT_EQ(c.fence->where, f.path() + ":28");
}

TEST(ConfigLoad, FenceDefaults) {
    ConfigFile f(std::string(smallest_config()) + "[fence_kdump]\nnodes = peer\n");
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    ASSERT_TRUE(f.result().config->fence);
    EXPECT_EQ(f.result().config->fence->port, 7410);
    EXPECT_EQ(f.result().config->fence->interval_ms, 10'000u);
}

TEST(ConfigLoad, ParseConfigUsesTheGivenName) {
    ConfigLoad r = parse_config("[chain]\ntargets = x\n", "memory.conf");
    EXPECT_EQ(r.errors, std::vector<std::string>{"memory.conf:2: target 'x' in targets has no [target x] section"});
}

TEST(ConfigLoad, ShippedExampleParses) {
    std::string path = std::string(KDF_SOURCE_DIR) + "/packaging/kdump-failover.conf.example";
    ConfigLoad r = load_config(path);
    ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors.front());
    const Config& c = *r.config;
    EXPECT_FALSE(c.legacy);
    EXPECT_EQ(c.chain.targets, (std::vector<std::string>{"primary", "backup"}));
    ASSERT_EQ(c.targets.size(), 2u);
    EXPECT_EQ(c.targets[0].type, "local");
    EXPECT_EQ(c.targets[0].plugin_options.at("path").text, "/mnt/crash");
    EXPECT_EQ(c.targets[0].plugin_options.at("mount_point").text, "/mnt/crash");
    EXPECT_EQ(c.targets[1].plugin_options.at("path").text, "/var/crash");
    EXPECT_FALSE(c.fence);  // commented out: a copied example must not send UDP to made-up nodes

    // Every key the model knows appears in the example, at least commented out.
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    for (const char* key : {"level", "compress", "readers", "format", "dmesg", "threads", "targets", "name", "mirror",
                            "plugin_path", "type", "connect_timeout", "stall_timeout", "total_timeout", "nodes",
                            "port", "interval", "mode = raw", "device = /dev/disk/by-partlabel/kdump"})
        EXPECT_NE(text.str().find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace kdf::chain::test
