// `kdump-failover dump` and `kdump-failover post STATUS`.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/chain/dump_host.h"
#include "core/chain/peak_memory.h"
#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/config/mount_info.h"
#include "core/integration/kdump_num_dumps.h"
#include "core/plugin/search_path.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::cli {

namespace {

// The chain's time and peak memory, one line for the console log: crashkernel= sizing
// (docs/sizing.md) starts from these figures, read where they matter, in the crash kernel.
void report_resources(const chain::ChainOutcome& outcome, double seconds) {
    uint64_t largest_attempt = 0;
    for (const auto& a : outcome.attempts) largest_attempt = std::max(largest_attempt, a.peak_rss_kib);
    char self_text[48] = "unknown (no /proc)";
    if (const auto self = chain::self_peak_rss_kib())
        std::snprintf(self_text, sizeof self_text, "%.1f MiB (VmHWM)", static_cast<double>(*self) / 1024.0);
    std::fprintf(stderr, "kdump-failover: chain over in %.1f s; peak memory: chain process %s, largest attempt %.1f MiB\n",
                 seconds, self_text, static_cast<double>(largest_attempt) / 1024.0);
    std::fflush(stderr);
}

// Debian's KDUMP_NUM_DUMPS from `defaults` becomes `keep` for the targets that do not set it. A file
// that cannot be read, or a value that is not a number, costs one line: never the dump.
void inherit_kdump_tools_keep(chain::Config& config, const std::string& defaults) {
    int err = 0;
    auto text = chain::read_small_file(defaults, &err);
    if (!text) {
        std::fprintf(stderr, "kdump-failover: warning: %s: cannot read (%s); KDUMP_NUM_DUMPS is not applied\n",
                     defaults.c_str(), std::strerror(err));
        return;
    }
    integration::NumDumps num = integration::read_kdump_num_dumps(*text, defaults);
    if (!num.problem.empty()) std::fprintf(stderr, "kdump-failover: warning: %s\n", num.problem.c_str());
    if (num.keep)
        std::fprintf(stderr, "kdump-failover: %s: KDUMP_NUM_DUMPS=%llu is `keep` for targets that offer retention and "
                             "do not set keep\n", num.where.c_str(), static_cast<unsigned long long>(*num.keep));
    integration::inherit_keep(config, num);
}

// Validates the vmcore, runs the chain, prints where the dump landed. Returns the exit status.
// `kdump_conf`: where a config without [fence_kdump] finds its nodes; `fence_notices` false when
// another process (the capture step's `fence-notices`) already sends them.
int run_dump(const std::string& config_path, const std::string& vmcore_path,
             const std::optional<std::string>& kdump_conf = std::nullopt, bool fence_notices = true,
             const std::optional<std::string>& kdump_tools = std::nullopt) {
    auto config = load_config_or_report(config_path);
    if (!config) return chain::kExitUsage;
    if (kdump_tools) inherit_kdump_tools_keep(*config, *kdump_tools);
    resolve_fence_nodes(*config, kdump_conf);
    if (!fence_notices) config->fence.reset();

    // A corrupt vmcore is refused before any target is touched: every target would fail the same way.
    auto core = vmcore::ElfVmcore::open(vmcore_path,
                                        config->dump.mmap ? vmcore::ReadMode::automatic : vmcore::ReadMode::pread);
    if (!core.is_ok()) {
        error_line(core.status().to_string());
        return chain::kExitUsage;
    }
    // Said once, so a console log shows how the old memory was read (a kernel whose /proc/vmcore
    // mmap misbehaves is the reason for `[dump] mmap = no`).
    if (core->reads_through_mmap())
        std::fprintf(stderr, "kdump-failover: reading %s through mmap windows ([dump] mmap = no: read())\n",
                     vmcore_path.c_str());

    chain::ChainRequest request;
    request.vmcore_path = vmcore_path;
    request.vmcore_size = core->file_size();
    request.host = chain::dump_host_name();
    request.started_unix = static_cast<int64_t>(std::time(nullptr));
    request.plugin_search = plugin::plugin_search_path(config->chain.plugin_path);
    request.live_progress = ::isatty(STDERR_FILENO) == 1;

    const auto started = std::chrono::steady_clock::now();
    chain::ChainOutcome outcome = chain::run_chain(*config, request, stderr);
    report_resources(outcome, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (outcome.held_by >= 0) {
        const auto& target = config->targets[static_cast<size_t>(outcome.held_by)];
        std::printf("dump saved by target '%s' (%s): %s\n", target.name.c_str(), target.type.c_str(),
                    outcome.location.c_str());
        std::fflush(stdout);
    }
    return chain::chain_exit_code(outcome);
}

}  // namespace

int cmd_dump(const Args& args) {
    ArgScanner scan(args, {"--config", "--vmcore", "--kdump-conf", "--kdump-tools"}, {"--no-fence-notices"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "dump takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover dump [--config F] [--vmcore F] [--kdump-conf F] [--kdump-tools F] "
                   "[--no-fence-notices]");
        return chain::kExitUsage;
    }
    return run_dump(scan.value("--config").value_or(kDefaultConfig), scan.value("--vmcore").value_or(kDefaultVmcore),
                    scan.value("--kdump-conf"), !scan.flag("--no-fence-notices"), scan.value("--kdump-tools"));
}

int cmd_post(const Args& args) {
    ArgScanner scan(args, {"--config", "--vmcore"}, {});
    int status = 0;
    if (scan.ok() && scan.positionals().size() == 1) {
        const std::string& s = scan.positionals()[0];
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), status);
        if (ec != std::errc() || p != s.data() + s.size()) {
            error_line("post: STATUS must be kdump's exit status (a number), not '" + s + "'");
            return chain::kExitUsage;
        }
    } else {
        error_line(scan.ok() ? "post needs exactly one STATUS argument" : scan.error());
        error_line("usage: kdump-failover post STATUS [--config F] [--vmcore F]");
        return chain::kExitUsage;
    }
    const std::string config_path = scan.value("--config").value_or(kDefaultConfig);
    if (status == 0) {
        auto config = load_config_or_report(config_path);
        if (!config) return chain::kExitUsage;
        if (!config->chain.mirror) {
            std::printf("kdump's own dump succeeded (status 0); nothing to do ([chain] mirror = no)\n");
            return 0;
        }
        std::fprintf(stderr, "kdump-failover: kdump's own dump succeeded; mirroring it through the chain ([chain] mirror = yes)\n");
    } else {
        std::fprintf(stderr, "kdump-failover: kdump's own dump failed (status %d); running the chain\n", status);
    }
    int rc = run_dump(config_path, scan.value("--vmcore").value_or(kDefaultVmcore));
    // kdump ignores kdump_post's status, but a person reading the log should see plain success/failure.
    return rc == chain::kExitUsage ? rc : (rc == chain::kExitAllFailed ? 1 : 0);
}

}  // namespace kdf::cli
