// kdf/reserve.h - the `reserve` rule: refuse to start a dump when the target has less space free.
//
// Every file target has a `reserve` option and checks it in probe() and open(); the refusal reads
// the same everywhere: "nfs: only 12.0 MiB free at nfs://nas/crash, below the reserve of 64.0 MiB".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kdf/size_text.h"
#include "kdf/status.h"

namespace kdf {

// ok when free_bytes >= reserve, else Code::no_space naming the plugin, the place and both sizes.
inline Status check_reserve(const char* plugin, uint64_t free_bytes, uint64_t reserve, std::string_view where) {
    if (free_bytes >= reserve) return Status::ok();
    return Status::error(Code::no_space, std::string(plugin) + ": only " + size_text(free_bytes) + " free at " +
                                             std::string(where) + ", below the reserve of " + size_text(reserve));
}

}  // namespace kdf
