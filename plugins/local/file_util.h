// file_util.h - small filesystem steps both sinks and the transport share (the helpers every
// plugin needs, such as names and sizes in messages, are in the SDK: kdf/names.h, kdf/size_text.h).
//
// Each returns a Status whose message starts with "local: " and names the path it touched.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kdf/call_options.h"
#include "kdf/status.h"

namespace kdf::local {

// ok, or Code::timeout naming the step that was about to start. Local I/O cannot be interrupted
// once started, so callers check before each step.
Status check_deadline(const CallOptions& opts, std::string_view next_step);

// ok if `path` (the target's `path` option) is an existing directory; it is never created.
Status check_target_directory(const std::string& path);

// Bytes an unprivileged writer may still use on the filesystem holding `path` (f_bavail*f_frsize).
Result<uint64_t> free_bytes(const std::string& path);

// fsync(fd), errors naming `what`.
Status sync_fd(int fd, const std::string& what);

// Writes <dir>/<name> (mode 0600) through a temporary name, fsync (if `durable`) and rename, so
// the name never shows a half-written file. `dir_path` is only for messages.
Status write_file_replacing(int dir_fd, const std::string& dir_path, std::string_view name,
                            std::span<const std::byte> data, bool durable);

}  // namespace kdf::local
