// pv_label.h - an LVM2 physical volume label, read straight from the device.
//
// On-disk layout (little-endian), written by lvm2 into one of the first four 512-byte sectors
// (lvm2 itself uses sector 1):
//
//   label header (32 bytes)                      pv header (at label + offset_xl, normally +32)
//   +0  char[8] "LABELONE"                       +0  char[32] PV UUID (no dashes)
//   +8  u64     sector_xl (this sector's index)  +32 u64      device size in bytes
//   +16 u32     checksum of bytes 20..511        +40 {u64 offset, u64 size}... data areas, {0,0} ends
//   +20 u32     offset_xl (pv header offset)         {u64 offset, u64 size}... metadata areas, {0,0} ends
//   +24 char[8] "LVM2 001"
//
// A data area of size 0 runs to the end of the device; its offset is where extents start (lvm2
// also records that as pe_start in the metadata text, which is what the extent map uses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kdf/status.h"

namespace kdf::lvm {

struct DiskArea {
    uint64_t offset = 0;
    uint64_t size = 0;
};

struct PvLabel {
    std::string uuid;           // 32 characters, no dashes, as on disk
    uint64_t device_size = 0;   // as lvm2 recorded it
    std::vector<DiskArea> data_areas;
    std::vector<DiskArea> metadata_areas;
};

// The three outcomes of looking at a device: not a PV (nullopt), a PV, or a label that says it is
// one but is damaged (an error naming the device: bad checksum, area list running off the sector).
Result<std::optional<PvLabel>> read_pv_label(int fd, const std::string& device);

// "ymCk2qj0hu3FSxR39qVpBY2w5HKf4ejT" -> "ymCk2q-j0hu-3FSx-R39q-VpBY-2w5H-Kf4ejT", the form lvm2
// prints and writes into the metadata text. Any other length is returned unchanged.
std::string dashed_uuid(const std::string& uuid);

// The inverse: the dashes dropped, so both forms compare equal.
std::string undashed_uuid(const std::string& uuid);

}  // namespace kdf::lvm
