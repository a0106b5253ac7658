// core/cli/command_table.h - the core's subcommands as one table, and the usage text built from it.
//
// main() looks a command up here first; a name that is not in the table goes to the plugin
// commands (cmd_plugin_command: whatever the plugins on the search path export). The usage text
// lists both: the table's entries, then the plugin commands with their plugin's name, so a command
// appears in `kdump-failover help` exactly when it can be run.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/cli/command.h"

namespace kdf::cli {

struct CoreCommand {
    std::string_view name;     // "dump"
    std::string_view aliases;  // other spellings, space-separated ("--help -h"); may be empty
    std::string_view usage;    // arguments after the name
    std::string_view help;     // what it does; '\n' starts a continuation line
    int (*run)(const Args& args);
};

std::span<const CoreCommand> core_commands();

// The entry called `name` (or one of its aliases), or null.
const CoreCommand* find_core_command(std::string_view name);

// Every name and alias of the table: no plugin command may use one.
std::vector<std::string> core_command_names();

// The usage text: the table, then the plugin commands found in `plugin_search` (and any refused
// ones, with the reason), then the dump exit status.
std::string usage_text(const std::vector<std::string>& plugin_search);

}  // namespace kdf::cli
