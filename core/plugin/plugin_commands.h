// core/plugin/plugin_commands.h - the optional admin commands a plugin exports
// (kdf/plugin_command.h: the `kdf_transport_commands` alias), loaded and checked.
//
// Separate from loader.h because it is optional and additive: a plugin without the alias has an
// empty command set, and nothing about loading transports changes. The table is checked like
// kdf_plugin_info (abi_version, info_size, toolchain, then each entry has a name and a function)
// before any of it is used; each failure is one sentence naming the file.
//
// Lifetime: a PluginCommandSet keeps its library loaded; its commands' function pointers are only
// called through run(), so none can outlive the code they point into.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/options.h"
#include "kdf/status.h"

struct kdf_plugin_command;  // kdf/plugin_command.h

namespace boost::dll {
class shared_library;
}

namespace kdf::plugin {

struct PluginCommandInfo {
    std::string name;
    std::string usage;
    std::string help;
    bool needs_target = false;
};

class PluginCommandSet {
public:
    PluginCommandSet() = default;
    PluginCommandSet(std::string file, std::shared_ptr<boost::dll::shared_library> library,
                     const kdf_plugin_command* table, size_t count);

    const std::string& file() const { return file_; }
    const std::vector<PluginCommandInfo>& commands() const { return infos_; }
    const PluginCommandInfo* find(std::string_view name) const;
    // Runs command `name` (which must be in commands()) and returns its exit status.
    int run(std::string_view name, const TargetConfig* target, const std::vector<std::string>& args, std::FILE* out,
            std::FILE* err) const;

private:
    std::string file_;
    std::shared_ptr<boost::dll::shared_library> library_;
    const kdf_plugin_command* table_ = nullptr;
    std::vector<PluginCommandInfo> infos_;
};

// A command some plugin on the search path offers, and which plugin that is.
struct DiscoveredCommand {
    std::string plugin;  // the plugin's name (kdf-transport-<plugin>.so)
    std::string file;
    PluginCommandInfo info;
};

struct CommandDiscovery {
    std::vector<DiscoveredCommand> commands;  // usable ones, in search order (plugins sorted by name)
    std::vector<std::string> refused;         // one line each: a command that may not be used, and why
};

// Reads the command table of every plugin in `search` (list_plugin_files: the first file of each
// name). A command whose name is in `core_names` is refused (the core's own command always wins, so
// the plugin's could never run), and so is a name an earlier plugin already offers. A plugin whose
// table is malformed contributes nothing; `kdump-failover plugins` reports why.
CommandDiscovery discover_plugin_commands(const std::vector<std::string>& search,
                                          const std::vector<std::string>& core_names);

// Loads `file` (a kdf-transport-<name>.so) and reads its command table. A plugin without one
// gives an empty set; a malformed or mismatched table is an error (Stage::load).
Result<PluginCommandSet> load_plugin_commands(const std::string& file);

}  // namespace kdf::plugin
