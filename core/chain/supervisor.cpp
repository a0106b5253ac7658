#include "core/chain/supervisor.h"

#include <optional>

#include "core/chain/left_behind.h"
#include "core/chain/progress_reporter.h"
#include "core/fence/fence_kdump_notifier.h"

namespace kdf::chain {

int chain_exit_code(const ChainOutcome& outcome) {
    if (outcome.held_by < 0) return kExitAllFailed;
    return outcome.held_by == 0 ? 0 : 10 + outcome.held_by;
}

namespace {

// Cluster peers hear "dumping" from before the first attempt until the chain is over (the
// notifier lives exactly as long as run_chain), whichever target ends up holding the dump.
void start_fence_notices(const Config& config, std::FILE* log, std::optional<fence::FenceKdumpNotifier>& notifier) {
    if (!config.fence || config.fence->nodes.empty()) return;
    const FenceSettings& f = *config.fence;
    std::string nodes;
    for (const std::string& n : f.nodes) nodes += (nodes.empty() ? "" : ", ") + n;
    std::fprintf(log, "kdump-failover: fence_kdump: telling %s (UDP port %u) every %.1f s while the dump runs\n",
                 nodes.c_str(), unsigned{f.port}, static_cast<double>(f.interval_ms) / 1000.0);
    std::fflush(log);
    fence::FenceKdumpNotifier::Options options;
    options.nodes = f.nodes;
    options.port = f.port;
    options.interval = std::chrono::milliseconds(f.interval_ms);
    options.log = log;
    notifier.emplace(options);
}

// Attempts left behind may have exited since: reap them, so no zombie outlives its device's I/O.
// At the chain's end the ones still blocked are named; the supervisor's exit hands them to init.
void note_left_behind(LeftBehind& strays, std::FILE* log) {
    strays.reap();
    if (strays.still_running().empty()) return;
    std::fprintf(log, "kdump-failover: %zu attempt process(es) still blocked in the kernel, left behind: pid %s\n",
                 strays.still_running().size(), strays.describe().c_str());
    std::fflush(log);
}

}  // namespace

std::string failure_line(const Status& status) {
    // The retryable bit does not change the chain's course yet (the next target is tried either
    // way); it is shown so the log says which failures were transient.
    return status.to_string() + (status.retryable() ? " (retryable)" : "");
}

ChainOutcome run_chain(const Config& config, const ChainRequest& request, std::FILE* log) {
    ChainOutcome outcome;
    ProgressReporter progress(log, request.live_progress, request.progress_interval);
    std::optional<fence::FenceKdumpNotifier> fence_notices;
    start_fence_notices(config, log, fence_notices);

    DumpInfo dump;
    dump.host = request.host;
    dump.dir_name = expand_dump_name(config.chain.name_pattern, request.host, request.started_unix);
    dump.size_hint = request.vmcore_size;
    dump.started_unix = request.started_unix;

    LeftBehind strays;
    const size_t n = config.targets.size();
    for (size_t i = 0; i < n; ++i) {
        const TargetSpec& target = config.targets[i];
        strays.reap();
        std::fprintf(log, "kdump-failover: target '%s' (%s): starting (%zu of %zu)\n", target.name.c_str(),
                     target.type.c_str(), i + 1, n);
        std::fflush(log);
        AttemptRequest req;
        req.kind = AttemptRequest::Kind::dump;
        req.target = target;
        req.plugin_search = request.plugin_search;
        req.vmcore_path = request.vmcore_path;
        req.dump = dump;
        req.settings = config.dump;
        AttemptOutcome attempt = Attempt(std::move(req), &progress).run();
        outcome.attempts.push_back(attempt);
        if (attempt.left_behind) strays.add(attempt.left_behind);
        if (!attempt.warning.empty())
            std::fprintf(log, "kdump-failover: target '%s': warning: %s\n", target.name.c_str(), attempt.warning.c_str());
        if (attempt.ok) {
            std::fprintf(log, "kdump-failover: target '%s': dump complete, %.1f MiB of memory read in %.1f s (peak memory %.1f MiB)\n",
                         target.name.c_str(), static_cast<double>(attempt.bytes) / (1024.0 * 1024.0), attempt.seconds,
                         static_cast<double>(attempt.peak_rss_kib) / 1024.0);
            outcome.held_by = static_cast<int>(i);
            outcome.target = target.name;
            outcome.location = attempt.location;
            note_left_behind(strays, log);
            return outcome;
        }
        std::fprintf(log, "kdump-failover: %s\n", failure_line(attempt.status).c_str());
        if (i + 1 < n)
            std::fprintf(log, "kdump-failover: target '%s' failed; trying the next target, '%s'\n", target.name.c_str(),
                         config.targets[i + 1].name.c_str());
        std::fflush(log);
    }
    std::fprintf(log, "kdump-failover: every target failed (%zu tried); no dump was saved\n", n);
    note_left_behind(strays, log);
    return outcome;
}

std::vector<AttemptOutcome> probe_chain(const Config& config, const std::vector<std::string>& plugin_search) {
    std::vector<AttemptOutcome> results;
    LeftBehind strays;
    for (const TargetSpec& target : config.targets) {
        strays.reap();
        AttemptRequest req;
        req.kind = AttemptRequest::Kind::probe;
        req.target = target;
        req.plugin_search = plugin_search;
        results.push_back(Attempt(std::move(req), nullptr).run());
        if (results.back().left_behind) strays.add(results.back().left_behind);
    }
    strays.reap();
    return results;
}

}  // namespace kdf::chain
