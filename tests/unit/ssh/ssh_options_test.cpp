// The ssh transport's option rules (offline) and its description as the loader checks it.
#include <gtest/gtest.h>

#include "core/plugin/loader.h"
#include "core/plugin/plugin_commands.h"
#include "ssh_options.h"
#include "ssh_transport.h"

namespace {

using namespace kdf;

TargetConfig target(std::map<std::string, std::string> keys) {
    TargetConfig t;
    t.name = "remote";
    t.type = "ssh";
    t.where = "kdf.conf:4";
    int line = 5;
    for (auto& [k, v] : keys) t.options[k] = {v, "kdf.conf:" + std::to_string(line++)};
    return t;
}

TEST(SshOptions, DefaultsAreStrictAndUncompressed) {
    auto o = ssh::parse_ssh_options(target({{"host", "backup.example"}, {"path", "/srv/crash/"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o->port, 22u);
    EXPECT_EQ(o->user, "root");
    EXPECT_EQ(o->path, "/srv/crash");
    EXPECT_EQ(o->identity, "/etc/kdump-failover/ssh/id_ed25519");
    EXPECT_EQ(o->known_hosts, "/etc/kdump-failover/ssh/known_hosts");
    EXPECT_EQ(o->mode, ssh::Mode::sftp);
    EXPECT_FALSE(o->compression);
    EXPECT_EQ(ssh::host_label(o.value()), "backup.example");
}

TEST(SshOptions, ErrorsNameTheLine) {
    struct Case {
        std::map<std::string, std::string> keys;
        std::string message;
    } cases[] = {
        {{{"host", "h"}, {"path", "/d"}, {"port", "70000"}}, "kdf.conf:7: ssh: port must be 1..65535"},
        {{{"host", "h"}, {"path", "relative"}}, "kdf.conf:6: ssh: path 'relative' must be an absolute path"},
        {{{"host", "h"}, {"path", "/a/../b"}}, "ssh: path '/a/../b' must not contain '..'"},
        {{{"host", "h"}, {"path", "/d"}, {"mode", "stream"}, {"stream_command", "dd of=/x"}},
         "ssh: stream_command must contain {file}"},
        {{{"host", "h"}, {"path", "/d"}, {"requests_in_flight", "0"}}, "requests_in_flight must be auto or 1..64"},
        {{{"path", "/d"}}, "ssh: host is required"},
    };
    for (const auto& c : cases) {
        auto o = ssh::parse_ssh_options(target(c.keys));
        ASSERT_FALSE(o.is_ok()) << c.message;
        EXPECT_EQ(o.status().code(), Code::invalid_config);
        EXPECT_NE(o.status().message().find(c.message), std::string::npos) << o.status().message();
    }
}

TEST(SshOptions, ShellQuoting) {
    EXPECT_EQ(ssh::shell_quote("/a b/it's"), "'/a b/it'\\''s'");
}

TEST(SshTransport, DescriptionPassesTheLoadersChecks) {
    ssh::SshTransport t;
    EXPECT_TRUE(plugin::check_description(t.describe(), "ssh").is_ok());
    EXPECT_TRUE(has_cap(t.describe().caps, TransportCap::positional_write));
    EXPECT_TRUE(has_cap(t.describe().caps, TransportCap::needs_network));
}

TEST(PluginCommands, TheSshPluginExportsItsCommandsAndLocalHasNone) {
    auto ssh_cmds = plugin::load_plugin_commands(KDF_PLUGIN_BUILD_DIR "/kdf-transport-ssh.so");
    ASSERT_TRUE(ssh_cmds.is_ok()) << ssh_cmds.status().to_string();
    ASSERT_EQ(ssh_cmds->commands().size(), 2u);
    const auto* trust = ssh_cmds->find("ssh-trust");
    ASSERT_TRUE(trust);
    EXPECT_TRUE(trust->needs_target);
    const auto* keys = ssh_cmds->find("keys");
    ASSERT_TRUE(keys);
    EXPECT_FALSE(keys->needs_target);
    // A command run without its target refuses with usage, through the table.
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* err = ::open_memstream(&buf, &len);
    EXPECT_EQ(ssh_cmds->run("ssh-trust", nullptr, {}, stdout, err), 2);
    std::fclose(err);
    EXPECT_NE(std::string(buf, len).find("usage: kdump-failover ssh-trust TARGET"), std::string::npos);
    std::free(buf);

    auto local_cmds = plugin::load_plugin_commands(KDF_PLUGIN_BUILD_DIR "/kdf-transport-local.so");
    ASSERT_TRUE(local_cmds.is_ok()) << local_cmds.status().to_string();
    EXPECT_TRUE(local_cmds->commands().empty());
    EXPECT_FALSE(local_cmds->find("keys"));

    auto missing = plugin::load_plugin_commands("/nonexistent/kdf-transport-x.so");
    EXPECT_FALSE(missing.is_ok());
}

}  // namespace
