#include "core/compress/codec_chooser.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kdf::compress {

CodecChooser::CodecChooser(std::vector<AutoCandidate> ladder, ChooserOptions options)
    : ladder_(std::move(ladder)),
      options_(options),
      estimates_(ladder_.size()),
      drain_(std::numeric_limits<double>::infinity()) {
    options_.threads = std::max(1u, options_.threads);
}

void CodecChooser::observe_codec(size_t i, uint64_t in, uint64_t out, double cpu_seconds) {
    if (i >= estimates_.size() || in == 0) return;
    Estimate& e = estimates_[i];
    const double cpu = std::max(0.0, cpu_seconds) / static_cast<double>(in);
    const double ratio = static_cast<double>(std::min(out, in)) / static_cast<double>(in);  // raw pages cap it at 1
    if (!e.known) {
        e = Estimate{true, cpu, ratio};
        return;
    }
    const double a = options_.smoothing;
    e.cpu_per_byte += a * (cpu - e.cpu_per_byte);
    e.ratio += a * (ratio - e.ratio);
}

void CodecChooser::observe_worker(double cpu_seconds, double wanted_seconds) {
    if (wanted_seconds <= 0 || cpu_seconds < 0) return;
    const double share = std::clamp(cpu_seconds / wanted_seconds, 0.05, 1.0);
    cpu_share_ += options_.smoothing * (share - cpu_share_);
}

void CodecChooser::observe_sink(uint64_t bytes, double blocked_seconds, double now) {
    if (!window_open_) {
        window_open_ = true;
        window_start_ = now;
        return;
    }
    window_bytes_ += bytes;
    window_blocked_ += std::max(0.0, blocked_seconds);
    const double wall = now - window_start_;
    if (wall < options_.window_seconds) return;
    const double taken = static_cast<double>(window_bytes_) / wall;
    if (window_blocked_ >= options_.saturated * wall) {
        // The sink was the bottleneck: what it took is what it can take.
        drain_ = std::isinf(drain_) ? taken : drain_ + options_.drain_smoothing * (taken - drain_);
        drain_ = std::max(drain_, 1.0);
        last_saturated_ = now;
    } else if (!std::isinf(drain_)) {
        // It kept up: at least this fast, and perhaps faster than last measured.
        const bool probe = now - last_saturated_ >= options_.probe_after_seconds;
        drain_ = std::max(taken, probe ? drain_ * options_.probe_growth : drain_);
    }
    window_start_ = now;
    window_bytes_ = 0;
    window_blocked_ = 0;
}

double CodecChooser::estimated_rate(size_t i) const {
    if (i >= estimates_.size() || !estimates_[i].known) return 0;
    const Estimate& e = estimates_[i];
    const double cpu = e.cpu_per_byte / (options_.threads * cpu_share_);
    const double sink = std::isinf(drain_) ? 0.0 : e.ratio / drain_;
    const double per_byte = std::max(cpu, sink);
    return per_byte > 0 ? 1.0 / per_byte : std::numeric_limits<double>::infinity();
}

size_t CodecChooser::choose(double now) {
    size_t best = current_;
    double best_rate = estimated_rate(current_);
    for (size_t i = 0; i < ladder_.size(); ++i) {
        const double r = estimated_rate(i);
        if (r > best_rate) {
            best = i;
            best_rate = r;
        }
    }
    const double current_rate = estimated_rate(current_);
    const bool ahead = best != current_ && current_rate > 0 && best_rate > current_rate * (1.0 + options_.margin);
    const bool unknown_current = current_rate == 0 && best_rate > 0;  // never measured: nothing to keep
    if (!ahead && !unknown_current) {
        rival_since_ = -1;
        return current_;
    }
    // The hold counts from when any rival got ahead: two rivals of near equal rate taking turns
    // as the best must not keep restarting it. The switch goes to the best at that moment.
    if (rival_since_ < 0) rival_since_ = now;
    const bool held = now - rival_since_ >= options_.hold_seconds && now - last_switch_ >= options_.hold_seconds;
    if (held || unknown_current) {
        current_ = best;
        ++switches_;
        last_switch_ = now;
        rival_since_ = -1;
    }
    return current_;
}

std::string CodecChooser::explain() const {
    char buf[128];
    std::string out = ladder_[current_].label;
    const Estimate& e = estimates_[current_];
    const unsigned threads = options_.threads;
    if (std::isinf(drain_) || !e.known) {
        std::snprintf(buf, sizeof buf, ", cpu-bound (the sink keeps up, %u thread%s at %.0f%% of a CPU)", threads,
                      threads == 1 ? "" : "s", cpu_share_ * 100);
    } else {
        const bool link = e.ratio / drain_ > e.cpu_per_byte / (threads * cpu_share_);
        std::snprintf(buf, sizeof buf, ", %s (sink drains %.1f MB/s, %u thread%s at %.0f%% of a CPU)",
                      link ? "link-bound" : "cpu-bound", drain_ / 1e6, threads, threads == 1 ? "" : "s", cpu_share_ * 100);
    }
    out += buf;
    out += "; est. input MB/s:";
    for (size_t i = 0; i < ladder_.size(); ++i) {
        const double r = estimated_rate(i);
        if (r <= 0) std::snprintf(buf, sizeof buf, " %s ?", ladder_[i].label.c_str());
        else if (std::isinf(r)) std::snprintf(buf, sizeof buf, " %s inf", ladder_[i].label.c_str());
        else std::snprintf(buf, sizeof buf, " %s %.0f", ladder_[i].label.c_str(), r / 1e6);
        out += buf;
        if (i + 1 < ladder_.size()) out += ',';
    }
    std::snprintf(buf, sizeof buf, "; %llu switch%s", static_cast<unsigned long long>(switches_), switches_ == 1 ? "" : "es");
    return out + buf;
}

}  // namespace kdf::compress
