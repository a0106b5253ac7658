// core/chain/attempt.h - one try of one target, in a process of its own.
//
// Attempt::run() forks. The child loads the plugin, validates the target against the plugin's
// schema, opens the sink, writes the dump and commits, reporting every step over a pipe
// (attempt_report.h). The parent watches three clocks and kills the child's process group when
// one runs out:
//   connect  from the start until the sink is open (stage "write" reached);
//   stall    no byte progress (or plugin heartbeat) for this long while writing or committing;
//   total    the whole attempt (0 = unlimited).
// The child gets the same limits as CallOptions deadlines, so a well-behaved plugin gives up on
// its own first; the kill (after a short grace) is the backstop for one that does not. A plugin
// that crashes, hangs or leaks therefore costs one attempt, never the chain.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/config/dump_name.h"
#include "core/config/target_validation.h"
#include "kdf/status.h"
#include "kdf/transport.h"

namespace kdf::chain {

class ProgressReporter;
class AttemptReporter;

struct AttemptRequest {
    enum class Kind { dump, probe };
    Kind kind = Kind::dump;
    TargetSpec target;
    std::vector<std::string> plugin_search;
    std::string vmcore_path;  // dump only
    DumpInfo dump;            // dump only; format and final_name are filled in by the attempt
    DumpSettings settings;    // dump only: [dump] level, compress, format, threads
};

// How an attempt ended. `status` is ok, or the failure as data: the child's own Status (sent over
// the pipe as code, stage, errno, retryable and message), or one the supervisor made for a kill, a
// crash or a broken report. Its target is always set and its stage is the one the failure
// happened in (the last stage reported when the failure named none): render it for people.
struct AttemptOutcome {
    bool ok = false;
    std::string location;    // dump: where it landed; probe: the probe's summary
    Status status;           // not ok when !ok
    Stage stage = Stage::none;  // the last stage reached
    uint64_t bytes = 0;      // dump bytes the sink accepted
    double seconds = 0;
    bool killed = false;     // the supervisor killed the attempt (a timeout)
    pid_t left_behind = 0;   // killed but not gone (blocked in the kernel): the chain reaps it later
    std::string warning;     // ok, but something went wrong after the commit (the process did not exit)
    uint64_t peak_rss_kib = 0;  // the attempt process's peak resident memory (crash kernels have little)
};

class Attempt {
public:
    // `progress` may be null (no progress output).
    Attempt(AttemptRequest request, ProgressReporter* progress);
    AttemptOutcome run();

private:
    AttemptRequest request_;
    ProgressReporter* progress_;
};

// The child's work, run in the attempt process. Exposed for tests that want it in-process.
Status run_attempt_body(const AttemptRequest& request, const AttemptReporter& report);

}  // namespace kdf::chain
