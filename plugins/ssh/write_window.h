// write_window.h - how many SFTP WRITE requests may be unanswered at once.
//
// A fixed count suits one link and not another: 4 x 255 KiB is about 1 MiB per round trip, plenty
// over loopback but only ~45 MB/s at a 22 ms round trip. The adaptive window starts small and
// doubles while doing so pays: in each round (one window's worth of acknowledged bytes) it measures
// the acknowledged rate, and when the sender had to wait for a free slot in that round and the rate
// beat the best round seen so far by at least 10%, the window doubles. A rate that does not
// rise (the compressor, the disk or the link is the limit, not the window) stops the growth.
// When the plain round trip is known (the shortest answer to a request that waited behind no
// writes), the window also grows only while it holds less than twice what the link carries in one
// round trip at the rate measured: over loopback 4 writes are already far more than that, and
// more in flight there would only fill the server's buffers. Rates measured over short rounds are
// noisy on a loaded machine; this keeps noise alone from growing the window there. The window never exceeds a byte budget (default 16 MiB),
// which bounds what the server and the network hold for us; it never shrinks, so one noisy round
// cannot starve a dump. A fixed window (`requests_in_flight = N`) never changes.
//
// Pure logic: the caller passes the time, so tests can drive it without a link.
#pragma once

#include <chrono>
#include <cstdint>

namespace kdf::ssh {

class WriteWindow {
public:
    using Clock = std::chrono::steady_clock;

    static constexpr unsigned adaptive_start = 4;
    static constexpr uint64_t default_budget = 16ull << 20;
    static constexpr double growth_gain = 1.10;  // a doubling must buy at least this much rate

    // Always `depth` requests (at least 1).
    static WriteWindow fixed(unsigned depth);
    // Starts at adaptive_start requests of `request_bytes` and grows up to `budget_bytes` in flight.
    static WriteWindow adaptive(uint32_t request_bytes, uint64_t budget_bytes = default_budget);

    unsigned depth() const { return depth_; }
    unsigned max_depth() const { return max_depth_; }
    bool is_adaptive() const { return adaptive_; }

    // A request went out; the first one starts the first round.
    void on_sent(Clock::time_point now);
    // The sender waited because depth() requests were unanswered: the window, not the producer,
    // was the limit in this round.
    void on_full() { full_in_round_ = true; }
    // A write of `bytes` was acknowledged.
    void on_acknowledged(uint32_t bytes, Clock::time_point now);
    // A request's answer came `elapsed` after it was sent; the shortest one is the round trip.
    void on_round_trip(Clock::duration elapsed);

private:
    WriteWindow(unsigned depth, unsigned max_depth, uint32_t request_bytes, bool adaptive);
    void end_round(Clock::time_point now);

    unsigned depth_;
    unsigned max_depth_;
    uint32_t request_bytes_;
    bool adaptive_;
    bool started_ = false;
    bool full_in_round_ = false;
    Clock::time_point round_start_{};
    uint64_t round_bytes_ = 0;
    double best_rate_ = 0;  // bytes per second, the best round so far
    Clock::duration round_trip_ = Clock::duration::zero();  // zero: not known
};

}  // namespace kdf::ssh
