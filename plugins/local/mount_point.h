// mount_point.h - "is this directory really a mounted filesystem?"
//
// The guard behind mount_point/require_mount: when the disk meant for dumps is not mounted, its
// mount point is an empty directory on the root filesystem, and a dump written there fills the root
// filesystem instead of the disk. A directory counts as a mount point when its st_dev differs from
// its parent's, or when /proc/self/mountinfo lists it (bind mounts and same-device mounts).
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::local {

// True/false, or why it could not be told (the directory cannot be stat'ed).
Result<bool> is_mount_point(const std::string& dir);

// ok when `mount_point` is a mount point and `path` resolves (realpath) at or below it. Failures are
// Code::not_found ("not a mount point (nothing mounted there?)") or Code::invalid_config (path
// outside it), with "local: " messages.
Status check_mount_point(const std::string& mount_point, const std::string& path);

}  // namespace kdf::local
