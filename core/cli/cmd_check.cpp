// `kdump-failover check [--config F] [--probe]`: offline validation against each plugin's schema,
// and with --probe a dry run of every target (each in its own attempt process, with its timeouts).
#include <cstdio>

#include "core/chain/attempt_format.h"
#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/plugin/loader.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

int cmd_check(const Args& args) {
    ArgScanner scan(args, {"--config"}, {"--probe"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "check takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover check [--config F] [--probe]");
        return 2;
    }
    const std::string path = scan.value("--config").value_or(kDefaultConfig);
    auto config = load_config_or_report(path);
    if (!config) return 2;

    const auto search = plugin::plugin_search_path(config->chain.plugin_path);
    size_t errors = 0;
    for (const auto& target : config->targets) {
        auto loaded = plugin::load_plugin(target.type, search);
        if (!loaded.is_ok()) {
            std::fprintf(stderr, "%s: target '%s': %s\n", target.where.c_str(), target.name.c_str(),
                         loaded.status().to_string().c_str());
            ++errors;
            continue;
        }
        TargetConfig resolved;
        auto problems = chain::validate_target(target, loaded->describe(), resolved);
        for (const auto& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
        errors += problems.size();
        if (problems.empty()) {
            if (Status s = loaded->transport->check(resolved); !s.is_ok()) {
                std::fprintf(stderr, "%s: target '%s': %s\n", target.where.c_str(), target.name.c_str(),
                             s.to_string().c_str());
                ++errors;
                continue;
            }
            // The format this target would get: a format it cannot write is found here, not in the crash kernel.
            auto caps = plugin::target_capabilities(loaded.value(), resolved);
            if (!caps.is_ok()) {
                std::fprintf(stderr, "%s: target '%s': %s\n", target.where.c_str(), target.name.c_str(),
                             caps.status().message().c_str());
                ++errors;
                continue;
            }
            auto format = chain::choose_dump_format(target, config->dump, caps.value());
            if (!format.is_ok()) {
                std::fprintf(stderr, "%s: target '%s': %s\n", chain::format_key_where(target, config->dump).c_str(),
                             target.name.c_str(), format.status().message().c_str());
                ++errors;
                continue;
            }
            std::printf("target '%s' (%s): configuration ok (format %s)\n", target.name.c_str(), target.type.c_str(),
                        format.value().c_str());
        }
    }
    if (errors) {
        error_line(path + ": " + std::to_string(errors) + " problem" + (errors == 1 ? "" : "s") + " found");
        return 2;
    }
    if (!scan.flag("--probe")) {
        std::printf("%s: configuration ok (%zu targets); run with --probe to try them now\n", path.c_str(),
                    config->targets.size());
        return 0;
    }
    auto results = chain::probe_chain(*config, search);
    size_t failed = 0;
    for (size_t i = 0; i < results.size(); ++i) {
        const auto& t = config->targets[i];
        if (results[i].ok) {
            std::printf("target '%s' (%s): probe ok: %s\n", t.name.c_str(), t.type.c_str(), results[i].location.c_str());
        } else {
            ++failed;
            std::fprintf(stderr, "kdump-failover: %s\n", chain::failure_line(results[i].status).c_str());
        }
    }
    if (failed) {
        error_line(std::to_string(failed) + " of " + std::to_string(results.size()) + " targets failed the probe");
        return 1;
    }
    std::printf("all %zu targets passed the probe\n", results.size());
    return 0;
}

}  // namespace kdf::cli
