// `kdump-failover status [--config F] [--root DIR] [--json] [--no-probe]`: is this node ready to
// save a crash dump through the chain? Every check reads the system (core/lifecycle/node_status.h).
// Exit status, for automation: 0 ready, 1 degraded (a dump will be saved, but not everything the
// config asks will happen), 2 not ready (no crash kernel reserved or loaded: no dump at all), and
// 2 for a usage error too (with a message on stderr and nothing on stdout).
#include <cstdio>

#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/cli/node_command_support.h"
#include "core/lifecycle/node_status.h"

namespace kdf::cli {

using namespace kdf::lifecycle;

namespace {

const char* overall(int rc) { return rc == 0 ? "ready" : rc == 1 ? "degraded" : "not_ready"; }

void print_json(const Distribution& d, const NodeStatus& s) {
    std::string out = "{\"state\":" + json_string(overall(s.exit_code())) + ",\"exit\":" + std::to_string(s.exit_code()) +
                      ",\"distribution\":{\"id\":" + json_string(d.id) + ",\"family\":" + json_string(family_name(d.family)) +
                      ",\"ostree\":" + (d.ostree ? "true" : "false") + "},\"checks\":[";
    bool first = true;
    for (const auto& c : s.checks) {
        out += std::string(first ? "" : ",") + "{\"name\":" + json_string(c.name) + ",\"state\":" +
               json_string(state_name(c.state)) + ",\"detail\":" + json_string(c.detail);
        for (const auto& [k, v] : c.facts) out += "," + json_string(k) + ":" + v;
        out += "}";
        first = false;
    }
    std::printf("%s]}\n", out.c_str());
}

}  // namespace

int cmd_status(const Args& args) {
    ArgScanner scan(args, {"--config", "--root"}, {"--json", "--no-probe"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "status takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover status [--config F] [--root DIR] [--json] [--no-probe]");
        return chain::kExitUsage;
    }
    StatusInputs in;
    in.root = SandboxRoot(scan.value("--root").value_or("/"));
    in.distro = detect_distribution(in.root);
    in.release = in.root.is_live() ? running_release() : "";
    in.config_path = scan.value("--config").value_or(kDefaultConfig);
    const NodeConfig config = load_node_config(in.root, in.config_path, true);
    in.config_loaded = config.loaded;
    in.config_error = config.error;
    in.level = config.level;
    in.needed_files = config.needed_files;
    in.local_targets = config.local_targets;
    in.other_targets = config.other_targets;
    in.probe = !scan.flag("--no-probe");
    in.self_exe = self_exe();
    const NodeStatus s = gather_status(in);
    if (scan.flag("--json")) {
        print_json(in.distro, s);
    } else {
        std::printf("%s (%s): %s\n", in.distro.pretty_name.empty() ? "unknown distribution" : in.distro.pretty_name.c_str(),
                    in.root.dir().c_str(), overall(s.exit_code()));
        for (const auto& c : s.checks) std::printf("  %-9s %-20s %s\n", state_name(c.state), c.name.c_str(), c.detail.c_str());
    }
    return s.exit_code();
}

}  // namespace kdf::cli
