// `kdump-failover NAME [--config F] [TARGET] [ARGS...]` for the admin commands plugins export
// (kdf/plugin_command.h), e.g. the ssh plugin's `ssh-trust TARGET` and `keys`. The command never
// links a plugin's library: it loads the plugin that offers NAME and calls it.
//
// Which commands exist: those the plugins on the search path offer (plugin::discover_plugin_commands;
// a name the core uses, or one an earlier plugin offers, is refused). Which plugin runs one: when
// the first argument names a target of the config, that target's plugin, with the target's
// configuration validated against the plugin's schema (defaults applied, exactly what a dump would
// use); otherwise the plugin that offers NAME, called with no target (refused when the command
// needs one). A NAME no plugin offers is an unknown command.

#include <algorithm>
#include <cstdio>

#include "core/config/target_validation.h"
#include "core/cli/command.h"
#include "core/plugin/loader.h"
#include "core/plugin/plugin_commands.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

namespace {

int run_for_target(const std::string& name, const chain::TargetSpec& target, const Args& rest,
                   const std::vector<std::string>& search) {
    auto loaded = plugin::load_plugin(target.type, search);
    if (!loaded.is_ok()) {
        error_line("target '" + target.name + "': " + loaded.status().to_string());
        return 1;
    }
    auto commands = plugin::load_plugin_commands(loaded->file);
    if (!commands.is_ok()) {
        error_line(commands.status().to_string());
        return 1;
    }
    if (!commands->find(name)) {
        error_line("target '" + target.name + "' uses plugin '" + target.type + "', which has no '" + name + "' command");
        return 2;
    }
    TargetConfig resolved;
    auto problems = chain::validate_target(target, loaded->describe(), resolved);
    for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    if (!problems.empty()) return 2;
    if (Status s = loaded->transport->check(resolved); !s.is_ok()) {
        error_line(s.to_string());
        return 2;
    }
    return commands->run(name, &resolved, Args(rest.begin() + 1, rest.end()), stdout, stderr);
}

}  // namespace

int cmd_plugin_command(const std::string& name, const Args& args, const std::vector<std::string>& core_names) {
    // --config is ours; everything else belongs to the command.
    std::optional<std::string> config_flag;
    Args rest;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) config_flag = args[++i];
        else if (args[i].starts_with("--config=")) config_flag = args[i].substr(9);
        else rest.push_back(args[i]);
    }
    const std::string path = config_flag.value_or(kDefaultConfig);
    std::optional<chain::Config> config;
    if (!load_optional_config(config_flag, true, config)) return 2;
    const auto search = plugin::plugin_search_path(config ? config->chain.plugin_path : std::vector<std::string>{});

    const plugin::CommandDiscovery found = plugin::discover_plugin_commands(search, core_names);
    auto offered = std::find_if(found.commands.begin(), found.commands.end(),
                                [&](const plugin::DiscoveredCommand& c) { return c.info.name == name; });
    if (offered == found.commands.end()) {
        for (const std::string& why : found.refused)
            if (why.find(" command '" + name + "' ") != std::string::npos) error_line(why);
        error_line("unknown command '" + name + "' (try: kdump-failover help)");
        return 2;
    }

    if (config && !rest.empty())
        for (const auto& target : config->targets)
            if (target.name == rest.front()) return run_for_target(name, target, rest, search);

    if (offered->info.needs_target) {
        if (!rest.empty() && !rest.front().starts_with("-"))
            error_line(name + ": no target '" + rest.front() + "' in " + (config ? path : path + " (not readable)"));
        error_line("usage: kdump-failover " + name + " " + offered->info.usage + " [--config F]");
        return 2;
    }
    auto commands = plugin::load_plugin_commands(offered->file);
    if (!commands.is_ok()) {
        error_line(commands.status().to_string());
        return 1;
    }
    return commands->run(name, nullptr, rest, stdout, stderr);
}

}  // namespace kdf::cli
