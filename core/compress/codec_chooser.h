// core/compress/codec_chooser.h - `compress = auto`: which codec compresses the next batch.
//
// A dump lands when its last byte is on the target. Per input byte, codec c costs
//     cpu_c / (threads * share)  seconds of compression (the workers run in parallel, each
//                          getting `share` of a CPU: on a busy machine, or beside the transport's
//                          own encryption, a worker is off its CPU part of the time), and
//     ratio_c / drain      seconds of the sink (its drain rate in output bytes per second);
// the two overlap in the pipeline, so the slower one sets the pace: c lands the dump at
//     rate_c = 1 / max(cpu_c / (threads * share), ratio_c / drain)   input bytes per second.
// Where the sink (a network link) is the bottleneck a stronger codec wins; where the CPU is, a
// lighter one does. The chooser keeps an estimate of cpu_c and ratio_c for every candidate (fed
// with the same sample pages compressed by each, so the comparison is fair) and of the drain rate
// (fed with what the writer handed the sink and how long it was blocked doing so) and of the
// workers' CPU share (their CPU time over the time they wanted a CPU), and picks the
// candidate with the highest rate_c.
//
// The drain rate can only be measured while the sink is the bottleneck (the writer blocks on it
// for a good part of a window): then it is the bytes the sink took over the window. While the
// sink keeps up, it is known only to be at least the output rate; once it has kept up for
// `probe_after_seconds`, the estimate grows by a fixed factor per window, so a sink that became
// faster is probed: a lighter codec gets chosen, and if the sink is still slow the writer blocks
// again and the true rate is measured. The wait keeps the probing rare where the CPU and the
// sink are evenly matched.
//
// Hysteresis: the current codec is replaced only when rivals have beaten its rate by `margin` for
// `hold_seconds` without a break (then by the best of them), and never sooner than `hold_seconds`
// after the last switch. Estimates are smoothed (exponential moving averages), so one odd page
// changes nothing.
//
// Pure logic: no clock, no threads, no I/O. The caller passes the time (seconds from any origin,
// never decreasing); tests drive it with synthetic rates. One thread uses a chooser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kdf::compress {

// One codec `auto` may use, lightest first in a ladder.
struct AutoCandidate {
    std::string codec;  // a CodecRegistry name: "lzo", "zstd", "zlib"
    int level = 0;      // the codec's level
    std::string label;  // as logs print it: "lzo", "zstd-3"
};

struct ChooserOptions {
    unsigned threads = 1;          // compressor threads
    double margin = 0.10;          // a rival must be this much faster (0.10 = 10%)...
    double hold_seconds = 0.5;     // ...for this long; also the least time between two switches
    double window_seconds = 0.2;   // the drain rate is measured over windows of this length
    double saturated = 0.5;        // blocked fraction of a window at which the sink is the bottleneck
    double probe_after_seconds = 2.0;  // the sink kept up this long: probe for a faster one
    double probe_growth = 1.1;     // per window, while probing
    double smoothing = 0.1;        // weight of a new page sample in the codec estimates
    double drain_smoothing = 0.5;  // weight of a new window in the drain rate (windows are long)
};

class CodecChooser {
public:
    // `ladder` must not be empty; index 0 is used until estimates say otherwise.
    CodecChooser(std::vector<AutoCandidate> ladder, ChooserOptions options);

    // Candidate i compressed `in` bytes into `out` bytes in `cpu_seconds` of one thread's time.
    void observe_codec(size_t i, uint64_t in, uint64_t out, double cpu_seconds);
    // A worker got `cpu_seconds` of CPU while it wanted one for `wanted_seconds` (running, or
    // runnable and waiting in the run queue).
    void observe_worker(double cpu_seconds, double wanted_seconds);
    // The writer handed the sink `bytes` and was blocked on it for `blocked_seconds`, up to `now`.
    void observe_sink(uint64_t bytes, double blocked_seconds, double now);
    // The candidate for the next batch (applies the hysteresis; call once per batch).
    size_t choose(double now);

    size_t current() const { return current_; }
    const std::vector<AutoCandidate>& ladder() const { return ladder_; }
    uint64_t switches() const { return switches_; }
    // Estimated landing rate of candidate i in input bytes per second; 0 while unknown.
    double estimated_rate(size_t i) const;
    // The workers' estimated share of a CPU each (1 = a CPU of their own).
    double cpu_share() const { return cpu_share_; }
    // Estimated drain rate in bytes per second; 0 while unknown, +inf when the sink never limited.
    double drain_rate() const { return drain_; }
    // One line: the choice and why, e.g. "zstd-3, link-bound (sink drains 118.2 MB/s, 2 threads);
    // est. input MB/s: lzo 262, zstd-1 371, zstd-3 380, 2 switches".
    std::string explain() const;

private:
    struct Estimate {
        bool known = false;
        double cpu_per_byte = 0;  // seconds of one thread per input byte
        double ratio = 1;         // output / input bytes
    };

    std::vector<AutoCandidate> ladder_;
    ChooserOptions options_;
    std::vector<Estimate> estimates_;
    size_t current_ = 0;
    uint64_t switches_ = 0;
    double last_switch_ = -1e300;
    double rival_since_ = -1;  // < 0: no rival is ahead
    double drain_;             // +inf until the sink is seen limiting
    double cpu_share_ = 1.0;   // of a CPU, per worker, while compressing
    bool window_open_ = false;
    double window_start_ = 0;
    uint64_t window_bytes_ = 0;
    double window_blocked_ = 0;
    double last_saturated_ = 0;  // end of the last window in which the sink limited the dump
};

}  // namespace kdf::compress
