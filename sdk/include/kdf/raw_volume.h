// kdf/raw_volume.h - byte-addressed raw storage a dump goes to or is read back from.
//
// A raw target has no files: a LUN, an LV reached through its extent map, a block device, or a
// regular file standing in for one. Every transport that writes to such storage gives the SDK a
// RawVolume, and kdf::RawVolumeSink (kdf/raw_volume_sink.h) lays the dump out behind the
// self-describing kdf::raw header (kdf/raw_dump_header.h) on it. `kdump-failover save` reads the
// same volume back after reboot, so the layout exists once, whatever the transport.
//
// Contract for implementations:
//  - size() and block_size() are fixed for the volume's life.
//  - read_at() reads the whole range or fails; any offset and length (the volume handles partial
//    blocks itself).
//  - write_at() writes the whole range or fails. Callers pass block-aligned offsets and lengths in
//    the common case; a volume whose device needs whole blocks must accept any range anyway and
//    merge a partial first or last block with what the device holds (read-modify-write), so no
//    byte outside the range changes. A range past size() fails with Code::no_space and writes
//    nothing. A volume may queue writes and return before the device acknowledged them (several
//    commands in flight); it must then keep its own copy of the bytes, report a failed queued write
//    from a later write_at() or flush(), and read_at() must see queued data.
//  - flush() returns only when every write so far is on stable storage (fsync, SYNCHRONIZE CACHE).
//  - Every call honours opts.deadline (Code::timeout), and errors start with the plugin's name and
//    name location().
//  - Not thread-safe: one caller at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "kdf/call_options.h"
#include "kdf/status.h"

namespace kdf {

class RawVolume {
public:
    virtual ~RawVolume() = default;

    virtual uint64_t size() const noexcept = 0;        // bytes usable from offset 0
    virtual uint32_t block_size() const noexcept = 0;  // the device's logical block (512, 4096)

    virtual Status read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept = 0;
    virtual Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept = 0;
    virtual Status flush(const CallOptions& opts) noexcept = 0;

    // Where the volume is, for people: "iscsi://portal/iqn/lun", "lvm://vg/lv", "/dev/sdb".
    virtual const std::string& location() const noexcept = 0;
};

}  // namespace kdf
