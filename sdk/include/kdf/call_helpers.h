// kdf/call_helpers.h - what plugins derive from a CallOptions: the stage label, a clean-up deadline.
#pragma once

#include <algorithm>

#include "kdf/call_options.h"
#include "kdf/status.h"

namespace kdf {

// Labels a failed Status with the stage the caller gave in opts.stage, or `fallback` when the
// caller gave none. A stage the plugin already stamped deeper down (Stage::connect on a failed
// handshake) wins: Status::with_stage keeps the innermost one. docs/plugins/README.md has the
// table of which stage each plugin operation belongs to.
inline Status with_call_stage(Status s, const CallOptions& opts, Stage fallback) noexcept {
    if (!s.is_ok()) s.with_stage(opts.stage != Stage::none ? opts.stage : fallback);
    return s;
}

// The options for clean-up steps (closing a remote file after a failure, an abort on
// destruction): at most `bound` from now, and never beyond the caller's own deadline. A dead
// server must not hold the attempt until the whole deadline is spent on an already failed dump.
inline CallOptions cleanup_options(const CallOptions& opts, Clock::duration bound) noexcept {
    CallOptions o = opts;
    o.deadline = std::min(opts.deadline, Clock::now() + bound);
    return o;
}

}  // namespace kdf
