// metadata_area.h - the current VG metadata text in one LVM2 metadata area.
//
// A metadata area (at an offset the PV label gives, normally 4096) starts with a 512-byte header,
// little-endian:
//
//   +0  u32      checksum of bytes 4..511
//   +4  char[16] magic " LVM2 x[5A%r0N*>"
//   +20 u32      version (1)
//   +24 u64      start: this header's own byte offset on the device
//   +32 u64      size of the whole area, header included
//   +40 raw_locn[] {u64 offset (from start), u64 size, u32 checksum of the text, u32 flags}, zero ends
//
// The rest of the area is a circular buffer of metadata texts: each change appends the new text
// after the previous one and points raw_locn[0] at it, so older copies stay behind it (a VG that
// went through lvcreate and lvextend holds several). Only raw_locn[0] is current. A text that runs
// past the end of the area continues right after the header. Flag 1 (ignored) means lvm2 keeps no
// metadata in this area (pvchange --metadataignore).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kdf/status.h"
#include "pv_label.h"

namespace kdf::lvm {

// The current text of the area at `area` on `device`, with both checksums verified as lvm2 does;
// nullopt when the area holds no text (ignored or never written); Code::corrupt for a bad magic,
// version, checksum or a location outside the area.
Result<std::optional<std::string>> read_metadata_text(int fd, const std::string& device, const DiskArea& area);

}  // namespace kdf::lvm
