#include "core/chain/progress_reporter.h"

#include <algorithm>

namespace kdf::chain {

ProgressReporter::ProgressReporter(std::FILE* out, bool live, std::chrono::milliseconds interval)
    : out_(out), live_(live), interval_(interval) {}

void ProgressReporter::begin(const std::string& target, uint64_t total_bytes) {
    target_ = target;
    total_ = total_bytes;
    note_.clear();
    bytes_ = 0;
    started_ = last_print_ = Clock::now();
    active_ = true;
}

void ProgressReporter::update(uint64_t bytes) {
    bytes_ = bytes;
    auto now = Clock::now();
    auto every = live_ ? std::chrono::milliseconds(200) : interval_;
    if (now - last_print_ >= every) {
        last_print_ = now;
        print();
    }
}

void ProgressReporter::note(const std::string& text) {
    note_ = text;
    if (!active_) return;
    if (live_) {
        std::fprintf(out_, "\r\033[Kkdump-failover: %s: %s\n", target_.c_str(), note_.c_str());
    }
    last_print_ = Clock::now();
    print();
}

void ProgressReporter::end() {
    if (!active_) return;
    if (live_) std::fputs("\r\033[K", out_);
    active_ = false;
    std::fflush(out_);
}

std::string ProgressReporter::format(uint64_t bytes, uint64_t total, double seconds) {
    const double mib = 1024.0 * 1024.0;
    const double rate = seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
    const unsigned percent = total ? static_cast<unsigned>(std::min<uint64_t>(100, bytes * 100 / total)) : 0;
    char eta[32] = "--:--";
    if (rate > 0 && total > bytes) {
        auto left = static_cast<unsigned long>(static_cast<double>(total - bytes) / (rate * 1e6));
        std::snprintf(eta, sizeof eta, "%lu:%02lu", left / 60, left % 60);
    } else if (total && bytes >= total) {
        std::snprintf(eta, sizeof eta, "0:00");
    }
    char line[160];
    std::snprintf(line, sizeof line, "%u%% %.1f/%.1f MiB at %.1f MB/s, ETA %s", percent,
                  static_cast<double>(bytes) / mib, static_cast<double>(total) / mib, rate, eta);
    return line;
}

void ProgressReporter::print() {
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    std::string text = format(bytes_, total_, seconds);
    if (live_) {
        // A bar only on a terminal: on a serial console the plain line is easier to read back.
        constexpr int kWidth = 24;
        int filled = total_ ? static_cast<int>(std::min<uint64_t>(bytes_, total_) * kWidth / total_) : 0;
        std::string bar(static_cast<size_t>(filled), '#');
        bar.resize(kWidth, '.');
        std::fprintf(out_, "\r\033[Kkdump-failover: %s [%s] %s", target_.c_str(), bar.c_str(), text.c_str());
    }
    else {
        std::fprintf(out_, "kdump-failover: %s: %s%s%s\n", target_.c_str(), text.c_str(), note_.empty() ? "" : "; ",
                     note_.c_str());
    }
    std::fflush(out_);
}

}  // namespace kdf::chain
