// core/cli/object_store_command.cpp - save/list of dumps kept as objects, through their plugin.
#include "core/cli/object_store_command.h"

#include "core/cli/command_table.h"
#include "core/plugin/raw_volume_plugins.h"

namespace kdf::cli {

std::optional<int> run_object_store_command(const std::string& verb, const std::string& url, const Args& args,
                                            const std::optional<std::string>& config_flag,
                                            const std::optional<chain::Config>& config) {
    const std::string scheme = plugin::url_scheme(url);
    if (scheme.empty() || !config) return std::nullopt;
    for (const chain::TargetSpec& target : config->targets) {
        if (target.type != scheme) continue;
        Args forwarded = {target.name, url};
        forwarded.insert(forwarded.end(), args.begin(), args.end());
        forwarded.push_back("--config");
        forwarded.push_back(config_flag.value_or(kDefaultConfig));
        return cmd_plugin_command(scheme + "-" + verb, forwarded, core_command_names());
    }
    return std::nullopt;
}

}  // namespace kdf::cli
