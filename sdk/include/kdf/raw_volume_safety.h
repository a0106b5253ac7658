// kdf/raw_volume_safety.h - what a raw volume holds before a dump overwrites it.
//
// A raw target is named by a device path, a LUN number or an LV name: one typo and the dump lands
// on somebody's filesystem. Every raw transport's probe() therefore reads the start of the volume
// and refuses it, unless the user forces it, when it finds
//   - a partition table (MBR boot signature, GPT header at LBA 1 for 512 or 4096-byte blocks),
//   - a filesystem (ext2/3/4, XFS, btrfs), LVM2 physical volume label, LUKS header, swap area,
//     Linux MD RAID superblock (1.1 at 0, 1.2 at 4 KiB),
//   - a kdf::raw dump header of ANOTHER host that was not saved yet (writing, complete, aborted):
//     that host's dump would be lost. Our own host's unsaved dump is reported, not refused: the
//     next dump is the newer crash of the same machine.
// Signatures are checked at their documented offsets only (the same places blkid looks first); a
// volume of zeros, an old saved kdf dump or an unknown pattern passes.
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "kdf/raw_dump_header.h"
#include "kdf/raw_volume.h"

namespace kdf {

// What the start of a volume holds, for probe summaries and refusals.
struct VolumeContents {
    std::string foreign;  // non-empty: what makes the volume unsafe to overwrite ("an ext4 filesystem")
    std::string holds;    // for people: "no dump header yet", "dump 'x' (complete), not saved yet"
};

namespace detail {

inline bool bytes_at(const std::vector<std::byte>& b, size_t offset, const void* sig, size_t n) {
    return offset + n <= b.size() && std::memcmp(b.data() + offset, sig, n) == 0;
}

// The first signature found in `b` (the first bytes of the volume), or "".
inline std::string foreign_signature(const std::vector<std::byte>& b) {
    auto at = [&](size_t off, const char* sig, size_t n) { return bytes_at(b, off, sig, n); };
    if (at(0, "LUKS\xba\xbe", 6)) return "a LUKS encrypted volume header";
    for (size_t sector = 0; sector < 4; ++sector)
        if (at(512 * sector, "LABELONE", 8) && at(512 * sector + 24, "LVM2 001", 8)) return "an LVM2 physical volume label";
    if (at(0, "XFSB", 4)) return "an XFS filesystem";
    if (at(1024 + 56, "\x53\xef", 2)) return "an ext2/3/4 filesystem";
    if (at(65536 + 64, "_BHRfS_M", 8)) return "a btrfs filesystem";
    if (at(4096 - 10, "SWAPSPACE2", 10) || at(4096 - 10, "SWAP-SPACE", 10)) return "a swap area";
    if (at(0, "\xfc\x4e\x2b\xa9", 4) || at(4096, "\xfc\x4e\x2b\xa9", 4)) return "a Linux MD RAID superblock";
    if (at(512, "EFI PART", 8) || at(4096, "EFI PART", 8)) return "a GPT partition table";
    if (at(510, "\x55\xaa", 2)) return "a partition table or boot sector (MBR signature)";
    return "";
}

}  // namespace detail

// Bytes of the volume's start inspect_volume() reads (up to past the btrfs superblock magic).
inline constexpr size_t volume_inspect_bytes = 65536 + 4096;

// Reads the start of `volume` and says what it holds. `our_host` is this machine's host name as it
// appears in DumpInfo::host. Errors are read errors only; a foreign volume is reported in the result.
inline Result<VolumeContents> inspect_volume(RawVolume& volume, const std::string& our_host,
                                             const CallOptions& opts) {
    std::vector<std::byte> b(static_cast<size_t>(std::min<uint64_t>(volume.size(), volume_inspect_bytes)));
    if (Status s = volume.read_at(0, b, opts); !s.is_ok()) return s;
    VolumeContents c;
    c.holds = "no dump header yet";
    raw::DecodeError err = raw::DecodeError::none;
    if (auto h = raw::decode(b, err)) {
        c.holds = "dump '" + h->dump_name + "' of host '" + h->host + "' (" + raw::to_string(h->state) + ")";
        if (h->state != raw::State::saved) {
            c.holds += ", not saved yet: the next dump overwrites it";
            if (h->host != our_host)
                c.foreign = "a dump of another host ('" + h->host + "', dump '" + h->dump_name + "', " +
                            raw::to_string(h->state) + ") that was not saved yet";
        }
        return c;
    }
    if (err != raw::DecodeError::not_raw_dump) c.holds = raw::to_string(err);
    c.foreign = detail::foreign_signature(b);
    if (!c.foreign.empty()) c.holds = c.foreign;
    return c;
}

// ok when the volume may be overwritten: nothing foreign on it, or `force`. Otherwise
// Code::invalid_config naming the volume, what it holds and the option that overrides it.
inline Status refuse_unless_forced(const char* plugin, const RawVolume& volume, const VolumeContents& contents,
                                   bool force, const char* force_option = "force = yes") {
    if (contents.foreign.empty() || force) return Status::ok();
    return Status::error(Code::invalid_config, std::string(plugin) + ": " + volume.location() + " holds " +
                                                   contents.foreign + "; refusing to write a dump over it (" +
                                                   force_option + " overrides this)");
}

}  // namespace kdf
