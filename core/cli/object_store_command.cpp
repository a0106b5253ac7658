// core/cli/object_store_command.cpp - save/list of dumps kept as objects, through their plugin.
#include "core/cli/object_store_command.h"

#include <algorithm>

#include "core/cli/command_table.h"
#include "core/plugin/plugin_commands.h"
#include "core/plugin/raw_volume_plugins.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

std::optional<int> run_object_store_command(const std::string& verb, const std::string& url, const Args& args,
                                            const std::optional<std::string>& config_flag,
                                            const std::optional<chain::Config>& config) {
    const std::string scheme = plugin::url_scheme(url);
    if (scheme.empty() || !config) return std::nullopt;
    // Only a plugin that offers the command: iscsi://, say, keeps its raw-volume path even when
    // the config has an iscsi target.
    const std::string name = scheme + "-" + verb;
    const auto found = plugin::discover_plugin_commands(plugin::plugin_search_path(config->chain.plugin_path),
                                                        core_command_names());
    if (std::none_of(found.commands.begin(), found.commands.end(),
                     [&](const plugin::DiscoveredCommand& c) { return c.plugin == scheme && c.info.name == name; }))
        return std::nullopt;
    for (const chain::TargetSpec& target : config->targets) {
        if (target.type != scheme) continue;
        Args forwarded = {target.name, url};
        forwarded.insert(forwarded.end(), args.begin(), args.end());
        forwarded.push_back("--config");
        forwarded.push_back(config_flag.value_or(kDefaultConfig));
        return cmd_plugin_command(name, forwarded, core_command_names());
    }
    return std::nullopt;
}

}  // namespace kdf::cli
