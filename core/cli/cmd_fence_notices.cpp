// `kdump-failover fence-notices`, and where the chain's fence_kdump nodes come from.
//
// The crash kernel's capture step starts this sender before anything that can take time (kdump_pre,
// mounting the local targets, the chain) and runs the chain with --no-fence-notices, so cluster
// peers hear "dumping" from the first moment, as with kdump's own fence_kdump_send, and one sender
// covers the whole capture. It runs until it is killed.
#include <cstdio>

#include "core/cli/command.h"
#include "core/fence/fence_kdump_notifier.h"
#include "core/fence/kdump_conf_fence.h"

namespace kdf::cli {

void resolve_fence_nodes(chain::Config& config, const std::optional<std::string>& kdump_conf) {
    if (config.fence || !kdump_conf) return;
    auto from_kdump = fence::read_kdump_conf_fence(*kdump_conf);
    if (!from_kdump) return;
    for (const std::string& w : from_kdump->warnings) error_line(w);
    chain::FenceSettings f;
    f.nodes = from_kdump->nodes;
    f.port = from_kdump->port;
    f.interval_ms = static_cast<uint64_t>(from_kdump->interval.count());
    f.where = *kdump_conf + " (fence_kdump_nodes)";
    config.fence = std::move(f);
}

int cmd_fence_notices(const Args& args) {
    ArgScanner scan(args, {"--config", "--kdump-conf"}, {});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "fence-notices takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover fence-notices [--config F] [--kdump-conf F]");
        return 2;
    }
    // The config's errors are the chain's to report (it runs next and says them once). A config
    // that does not load still leaves kdump.conf's nodes: kdump's own dump then follows, and the
    // peers must hear from this node the whole time.
    const std::string config_path = scan.value("--config").value_or(kDefaultConfig);
    chain::ConfigLoad loaded = chain::load_config(config_path);
    std::optional<chain::Config> config;
    if (loaded.config && loaded.errors.empty()) {
        config = std::move(loaded.config);
    } else {
        error_line("fence_kdump: " + config_path + " is not valid; taking the nodes from kdump.conf only");
        config.emplace();
    }
    resolve_fence_nodes(*config, scan.value("--kdump-conf").value_or(kDefaultKdumpConf));
    if (!config->fence || config->fence->nodes.empty()) {
        std::fprintf(stderr, "kdump-failover: fence_kdump: no nodes to notify (no [fence_kdump], no fence_kdump_nodes)\n");
        return 0;
    }
    const chain::FenceSettings& f = *config->fence;
    std::string nodes;
    for (const std::string& n : f.nodes) nodes += (nodes.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "kdump-failover: fence_kdump: telling %s (UDP port %u) every %.1f s, nodes from %s\n",
                 nodes.c_str(), unsigned{f.port}, static_cast<double>(f.interval_ms) / 1000.0, f.where.c_str());
    std::fflush(stderr);
    fence::FenceKdumpNotifier::Options options;
    options.nodes = f.nodes;
    options.port = f.port;
    options.interval = std::chrono::milliseconds(f.interval_ms);
    options.log = stderr;
    fence::send_fence_notices(options, 0);
    return 0;
}

}  // namespace kdf::cli
