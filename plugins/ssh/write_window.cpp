// write_window.cpp - the SFTP write window, fixed or grown from the acknowledged rate.
#include "write_window.h"

#include <algorithm>

namespace kdf::ssh {

WriteWindow::WriteWindow(unsigned depth, unsigned max_depth, uint32_t request_bytes, bool adaptive)
    : depth_(depth), max_depth_(max_depth), request_bytes_(std::max<uint32_t>(request_bytes, 1)), adaptive_(adaptive) {}

WriteWindow WriteWindow::fixed(unsigned depth) {
    const unsigned d = std::max(1u, depth);
    return WriteWindow(d, d, 1, false);
}

WriteWindow WriteWindow::adaptive(uint32_t request_bytes, uint64_t budget_bytes) {
    const uint32_t size = std::max<uint32_t>(request_bytes, 1);
    const unsigned cap = static_cast<unsigned>(std::max<uint64_t>(budget_bytes / size, 1));
    return WriteWindow(std::min(adaptive_start, cap), cap, size, true);
}

void WriteWindow::on_sent(Clock::time_point now) {
    if (started_) return;
    started_ = true;
    round_start_ = now;
}

void WriteWindow::on_acknowledged(uint32_t bytes, Clock::time_point now) {
    if (!adaptive_ || depth_ >= max_depth_) return;
    if (!started_) on_sent(now);
    round_bytes_ += bytes;
    if (round_bytes_ >= uint64_t{depth_} * request_bytes_) end_round(now);
}

void WriteWindow::on_round_trip(Clock::duration elapsed) {
    if (elapsed <= Clock::duration::zero()) return;
    if (round_trip_ == Clock::duration::zero() || elapsed < round_trip_) round_trip_ = elapsed;
}

void WriteWindow::end_round(Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - round_start_).count();
    const double rate = seconds > 0 ? static_cast<double>(round_bytes_) / seconds : 0;
    // Only a round the window limited says anything about the window: otherwise the sender had
    // free slots and a bigger window would have changed nothing.
    const bool gains = rate > 0 && (best_rate_ == 0 || rate >= best_rate_ * growth_gain);
    // Twice the bytes one round trip carries at this rate: a window above that is not what waits.
    const double window_bytes = static_cast<double>(depth_) * request_bytes_;
    const bool round_trip_bound = round_trip_ == Clock::duration::zero() ||
                                  window_bytes < 2 * rate * std::chrono::duration<double>(round_trip_).count();
    if (full_in_round_ && gains && round_trip_bound) depth_ = std::min(max_depth_, depth_ * 2);
    best_rate_ = std::max(best_rate_, rate);
    round_start_ = now;
    round_bytes_ = 0;
    full_in_round_ = false;
}

}  // namespace kdf::ssh
