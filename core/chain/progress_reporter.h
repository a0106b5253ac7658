// core/chain/progress_reporter.h - tells the person at the console how the dump is going.
//
// On a terminal: one live line, redrawn in place. Otherwise (a serial console, a log): a plain line
// every `interval`, so a console log shows progress without flooding it:
//   kdump-failover: backup: 42% 512.0/1220.0 MiB at 301.2 MB/s, ETA 0:03
// A note (what `compress = auto` chose and why) is printed when it comes, with the progress line,
// and repeated on the plain lines after it:
//   kdump-failover: backup: 42% 512.0/1220.0 MiB at 301.2 MB/s, ETA 0:03; codec zstd-1, link-bound ...
// On a terminal it goes on a line of its own above the live line, which stays one screen line.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kdf::chain {

class ProgressReporter {
public:
    using Clock = std::chrono::steady_clock;

    ProgressReporter(std::FILE* out, bool live, std::chrono::milliseconds interval);

    void begin(const std::string& target, uint64_t total_bytes);
    void update(uint64_t bytes);
    void set_total(uint64_t total_bytes) { total_ = total_bytes; }
    void note(const std::string& text);
    void end();  // clears a live line so the next message starts on its own line

    // "42% 512.0/1220.0 MiB at 301.2 MB/s, ETA 0:03" (pure, for tests)
    static std::string format(uint64_t bytes, uint64_t total, double seconds);

private:
    void print();

    std::FILE* out_;
    bool live_;
    std::chrono::milliseconds interval_;
    std::string target_;
    uint64_t total_ = 0;
    uint64_t bytes_ = 0;
    Clock::time_point started_{};
    Clock::time_point last_print_{};
    bool active_ = false;
    std::string note_;
};

}  // namespace kdf::chain
