// core/cli/command.h - the subcommands of `kdump-failover` and what they share.
//
// Each subcommand is one file (cmd_<name>.cpp) with one entry point taking its own arguments
// (argv after the subcommand's name) and returning the process exit status. Errors go to stderr as
// one line each, prefixed "kdump-failover: "; results a script needs (where a dump landed) go to
// stdout.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.h"

namespace kdf::cli {

using Args = std::vector<std::string>;

int cmd_dump(const Args& args);
int cmd_post(const Args& args);
int cmd_check(const Args& args);
int cmd_plugins(const Args& args);
int cmd_save(const Args& args);
int cmd_list(const Args& args);
int cmd_collect(const Args& args);
int cmd_verify(const Args& args);
int cmd_reassemble(const Args& args);
int cmd_convert(const Args& args);
int cmd_generate(const Args& args);
int cmd_render(const Args& args);
int cmd_dmesg(const Args& args);
int cmd_fence_notices(const Args& args);
// The node's lifecycle around kdump (core/lifecycle).
int cmd_setup(const Args& args);
int cmd_status(const Args& args);
int cmd_estimate(const Args& args);
int cmd_uninstall(const Args& args);
// A command a plugin on the search path exports (kdf/plugin_command.h), or "unknown command".
// `core_names`: the core's own commands, which no plugin command may shadow.
int cmd_plugin_command(const std::string& name, const Args& args, const std::vector<std::string>& core_names);

inline constexpr const char* kDefaultConfig = "/etc/kdump-failover.conf";
inline constexpr const char* kDefaultVmcore = "/proc/vmcore";
inline constexpr const char* kDefaultKdumpConf = "/etc/kdump.conf";

// Small option scanner: flags with a value (--config F or --config=F), bare flags, positionals.
class ArgScanner {
public:
    ArgScanner(const Args& args, std::vector<std::string> valued, std::vector<std::string> bare);
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    std::optional<std::string> value(const std::string& flag) const;
    bool flag(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }

private:
    std::vector<std::pair<std::string, std::string>> values_;
    std::vector<std::string> flags_;
    std::vector<std::string> positionals_;
    std::string error_;
};

// Prints "kdump-failover: <text>" on stderr.
void error_line(std::string_view text);

// Loads the config, printing its notices and every error (one line each) on stderr.
std::optional<chain::Config> load_config_or_report(const std::string& path);

// For commands that also run without a config (it only adds [chain] plugin_path): `flag`'s config
// when given, which must load; otherwise the default config when `default_if_readable` and it is
// readable; otherwise none. False when a config was there but is not valid (errors printed).
bool load_optional_config(const std::optional<std::string>& flag, bool default_if_readable,
                          std::optional<chain::Config>& out);

// A config without [fence_kdump] takes kdump.conf's fence_kdump_nodes/fence_kdump_args from
// `kdump_conf` (when given and readable): the peers kdump itself would notify. Warnings on stderr.
void resolve_fence_nodes(chain::Config& config, const std::optional<std::string>& kdump_conf);

}  // namespace kdf::cli
