// core/plugin/search_path.h - where plugins are looked for, in order.
//
// 1. KDF_PLUGIN_PATH (colon-separated) — for tests and for trying a plugin without installing it;
// 2. the config's [chain] plugin_path;
// 3. the built-in install directory (KDF_PLUGIN_DIR, e.g. /usr/lib/x86_64-linux-gnu/kdump-failover/plugins);
// 4. <directory of this executable>/KDF_PLUGIN_RELATIVE_DIR, so a build tree or a relocated install
//    (an initramfs that puts everything under one prefix) works without configuration.
// The first directory holding kdf-transport-<name>.so wins.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kdf::plugin {

std::vector<std::string> plugin_search_path(const std::vector<std::string>& config_dirs);

// The file name a plugin called `name` must have.
std::string plugin_file_name(const std::string& name);

// The first kdf-transport-<name>.so in `search`, if any.
std::optional<std::string> find_plugin_file(const std::string& name, const std::vector<std::string>& search);

// Every plugin file in `search`, first occurrence of each name only, sorted by name.
struct PluginFile {
    std::string name;
    std::string path;
};
std::vector<PluginFile> list_plugin_files(const std::vector<std::string>& search);

// "a:b:c" for messages.
std::string join_path(const std::vector<std::string>& dirs);

}  // namespace kdf::plugin
