// core/chain/supervisor.h - runs the chain: each target in order until one holds the dump.
//
// The supervisor process itself never loads a plugin: every attempt (and every probe) runs in its
// own child (attempt.h), so nothing a plugin does can take the chain down. A failed attempt leaves
// its partial dump as the transport named it (vmcore-incomplete, a raw header in state "writing"),
// and the next target starts from the beginning: /proc/vmcore can be read again.
//
// Exit status of `kdump-failover dump` (chain_exit_code):
//   0        the first target holds the dump
//   10 + i   the target at position i of [chain] targets (0-based, so 11 = the second) holds it
//   1        every target failed
//   2        usage, configuration or input error: no target was tried
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/chain/attempt.h"
#include "core/config/config.h"

namespace kdf::chain {

struct ChainRequest {
    std::string vmcore_path;
    uint64_t vmcore_size = 0;          // size hint for the transports
    std::string host;                  // this machine's name, for the dump directory name
    int64_t started_unix = 0;          // the dump directory's timestamp
    std::vector<std::string> plugin_search;
    bool live_progress = false;        // redraw one line (a TTY) instead of printing lines
    std::chrono::milliseconds progress_interval{5000};
};

struct ChainOutcome {
    int held_by = -1;                  // index into the chain's targets, -1 when all failed
    std::string target;                // its name
    std::string location;              // where the dump is
    std::vector<AttemptOutcome> attempts;
};

constexpr int kExitAllFailed = 1;
constexpr int kExitUsage = 2;
int chain_exit_code(const ChainOutcome& outcome);

// The one line a failed attempt gets in the log: the rendered Status, plus " (retryable)" when the
// failure may be transient (the chain does not act on that: the next target is tried either way).
std::string failure_line(const Status& status);

// Runs the chain; reports each attempt on `log` (stderr) as it goes.
ChainOutcome run_chain(const Config& config, const ChainRequest& request, std::FILE* log);

// Probes every target (`check --probe`), each in its own attempt process with its timeouts.
std::vector<AttemptOutcome> probe_chain(const Config& config, const std::vector<std::string>& plugin_search);

}  // namespace kdf::chain
