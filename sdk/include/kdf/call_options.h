// kdf/call_options.h - the options every blocking SDK call receives (RocksDB's IOOptions idea).
//
// A plugin must not block past `deadline`: it maps it onto its library's own timeouts (socket
// timeouts, RPC timeouts, a watchdog that shuts a socket down). The supervisor's SIGKILL of the
// attempt process is the backstop, not the mechanism.
//
// New fields are added at the end; bump KDF_TRANSPORT_ABI_VERSION when this struct changes.
#pragma once

#include <chrono>
#include <cstdint>

#include "kdf/status.h"

namespace kdf {

using Clock = std::chrono::steady_clock;

struct CallOptions {
    // Absolute time after which the call must give up and return Code::timeout.
    Clock::time_point deadline = Clock::time_point::max();
    // The stage the caller is in; plugins stamp it on the Status they return.
    Stage stage = Stage::none;
    // Optional heartbeat: a plugin inside a long call (a commit that flushes gigabytes, a reconnect)
    // may call progress(progress_context, bytes_acknowledged) to tell the supervisor it is not
    // stalled. Host code; safe to call from any plugin thread; never null-checked by the host.
    void (*progress)(void* context, uint64_t bytes) noexcept = nullptr;
    void* progress_context = nullptr;

    bool expired() const noexcept { return Clock::now() >= deadline; }

    // Time left, clamped at zero; Clock::duration::max() when there is no deadline.
    Clock::duration remaining() const noexcept {
        if (deadline == Clock::time_point::max()) return Clock::duration::max();
        auto left = deadline - Clock::now();
        return left.count() > 0 ? left : Clock::duration::zero();
    }

    // Whole milliseconds left, for C APIs that take an int timeout; `cap` when unlimited.
    int remaining_ms(int cap = 24 * 3600 * 1000) const noexcept {
        auto left = remaining();
        if (left == Clock::duration::max()) return cap;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count();
        return ms > cap ? cap : static_cast<int>(ms);
    }

    void report_progress(uint64_t bytes) const noexcept {
        if (progress) progress(progress_context, bytes);
    }
};

}  // namespace kdf
