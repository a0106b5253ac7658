// raw_device.h - open a raw target (block device, or a regular file standing in for one).
#pragma once

#include <cstdint>
#include <string>

#include "kdf/status.h"
#include "kdf/unique_fd.h"

namespace kdf::local {

struct RawDevice {
    UniqueFd fd;
    uint64_t size = 0;  // BLKGETSIZE64 for block devices, st_size for regular files
    bool is_block = false;
};

// Opens `path` read-write without creating it. Block devices are opened O_EXCL, which the kernel
// refuses (EBUSY) while a filesystem on them is mounted: a dump must never overwrite one.
Result<RawDevice> open_raw_device(const std::string& path);

}  // namespace kdf::local
