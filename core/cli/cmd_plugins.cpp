// `kdump-failover plugins [--config F]`: every plugin in the search path, what it can do, what it takes.

#include <cstdio>

#include "core/cli/command.h"
#include "core/plugin/loader.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

namespace {

std::string caps_text(uint32_t caps) {
    std::string out;
    auto add = [&](TransportCap c, const char* name) {
        if (has_cap(caps, c)) out += (out.empty() ? "" : " ") + std::string(name);
    };
    add(TransportCap::positional_write, "positional_write");
    add(TransportCap::atomic_commit, "atomic_commit");
    add(TransportCap::needs_network, "needs_network");
    add(TransportCap::durable_sync, "durable_sync");
    return out.empty() ? "(none)" : out;
}

void print_plugin(const plugin::LoadedPlugin& p) {
    const Description& d = p.describe();
    std::printf("%s %s  %s\n", d.name.c_str(), d.version.c_str(), p.file.c_str());
    if (!d.summary.empty()) std::printf("  %s\n", d.summary.c_str());
    std::printf("  capabilities: %s\n", caps_text(d.caps).c_str());
    std::printf("  writes with:  %s\n", d.ops & static_cast<uint32_t>(SinkOp::write_at) ? "write_at (positional: the dump file is written in place)"
                                                                                        : "append (a stream, written front to back)");
    std::printf("  options:\n");
    for (const auto& o : d.options) {
        std::string type = to_string(o.type);
        if (o.type == OptionType::choice) type += "(" + o.choices + ")";
        std::string dflt = o.required ? "required" : (o.default_value.empty() ? "optional" : "default " + o.default_value);
        std::printf("    %-16s %-20s %-16s %s\n", o.key.c_str(), type.c_str(), dflt.c_str(), o.help.c_str());
    }
}

}  // namespace

int cmd_plugins(const Args& args) {
    ArgScanner scan(args, {"--config"}, {});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "plugins takes no positional arguments" : scan.error());
        return 2;
    }
    // The config only adds directories; listing works without one.
    std::optional<chain::Config> config;
    if (!load_optional_config(scan.value("--config"), true, config)) return 2;
    const auto search = plugin::plugin_search_path(config ? config->chain.plugin_path : std::vector<std::string>{});
    const auto files = plugin::list_plugin_files(search);
    std::printf("plugin search path: %s\n", plugin::join_path(search).c_str());
    if (files.empty()) {
        error_line("no plugins found (kdf-transport-<name>.so) in " + plugin::join_path(search));
        return 1;
    }
    size_t broken = 0;
    for (const auto& f : files) {
        auto loaded = plugin::load_plugin_file(f.path);
        if (loaded.is_ok()) {
            print_plugin(loaded.value());
        } else {
            ++broken;
            std::printf("%s  BROKEN: %s\n", f.name.c_str(), loaded.status().to_string().c_str());
        }
    }
    return broken ? 1 : 0;
}

}  // namespace kdf::cli
