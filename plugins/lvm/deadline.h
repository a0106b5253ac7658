// deadline.h - the deadline check before each blocking step. Block-device I/O cannot be
// interrupted once started, so the plugin checks before each step instead.
#pragma once

#include <string_view>

#include "kdf/call_options.h"
#include "kdf/status.h"

namespace kdf::lvm {

// ok, or Code::timeout (retryable) naming the step that was about to start.
inline Status check_deadline(const CallOptions& opts, std::string_view next_step) {
    if (!opts.expired()) return Status::ok();
    std::string msg = "lvm: deadline passed before ";
    msg.append(next_step);
    return Status::error(Code::timeout, msg).with_retryable(true);
}

}  // namespace kdf::lvm
