// kdf/raw_volume_safety.h - what a raw volume holds before a dump overwrites it.
//
// A raw target is named by a device path, a LUN number or an LV name: one typo and the dump lands
// on somebody's filesystem. Every raw transport's probe() and open() therefore read the start of the
// volume (volume_inspect_bytes) and refuse it, unless the user forces it, when it holds
//   - a kdf::raw dump header of ANOTHER host that was not saved yet (writing, complete, aborted):
//     that host's dump would be lost. Our own host's unsaved dump is reported, not refused: the
//     next dump is the newer crash of the same machine;
//   - a kdf::raw magic whose header does not decode (torn, corrupt, or a newer header version):
//     whose dump it is cannot be told, so it is treated as somebody's;
//   - anything else that is not all zeros. Shared LUNs carry formats no list ever completes, so the
//     rule is "zeros or our own header", and the refusal names the first non-zero byte's offset.
//     Known signatures are named instead, at their documented offsets (where blkid looks first):
//     partition tables (MBR, GPT), ext2/3/4, XFS, btrfs, GFS2, OCFS2, Oracle ASM, ZFS, iso9660,
//     squashfs, LVM2 PV label, LUKS, swap, MD RAID, bcache, VDO.
// A volume of zeros or one whose header this host wrote (or that was saved) passes.
#pragma once

#include <algorithm>
#include <cstdint>
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

inline bool u64_at(const std::vector<std::byte>& b, size_t offset, uint64_t v, bool big_endian) {
    if (offset + 8 > b.size()) return false;
    for (size_t i = 0; i < 8; ++i)
        if (static_cast<uint8_t>(b[offset + i]) != static_cast<uint8_t>(v >> (8 * (big_endian ? 7 - i : i))))
            return false;
    return true;
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
    if (at(65536, "\x01\x16\x19\x70", 4)) return "a GFS2 cluster filesystem";
    for (size_t block : {1024u, 2048u, 4096u, 8192u})
        if (at(block, "OCFSV2", 6)) return "an OCFS2 cluster filesystem";
    if (at(32, "ORCLDISK", 8)) return "an Oracle ASM disk";
    if (at(0, "hsqs", 4)) return "a squashfs filesystem";
    if (at(32769, "CD001", 5)) return "an ISO 9660 filesystem";
    if (at(0, "dmvdo001", 8)) return "a VDO volume";
    if (at(4096 + 24, "\xc6\x85\x73\xf6\x4e\x1a\x45\xca\x82\x65\xf5\x7f\x48\xba\x6d\x81", 16))
        return "a bcache device";
    // ZFS: the uberblock array of label 0 starts at 128 KiB, 1 KiB slots or larger, magic in either
    // byte order; the label's name/value list before it is caught by the zero rule anyway.
    for (size_t slot = 128 * 1024; slot + 8 <= b.size(); slot += 1024)
        if (u64_at(b, slot, 0x00bab10c, false) || u64_at(b, slot, 0x00bab10c, true)) return "a ZFS pool label";
    if (at(4096 - 10, "SWAPSPACE2", 10) || at(4096 - 10, "SWAP-SPACE", 10)) return "a swap area";
    if (at(0, "\xfc\x4e\x2b\xa9", 4) || at(4096, "\xfc\x4e\x2b\xa9", 4)) return "a Linux MD RAID superblock";
    if (at(512, "EFI PART", 8) || at(4096, "EFI PART", 8)) return "a GPT partition table";
    if (at(510, "\x55\xaa", 2)) return "a partition table or boot sector (MBR signature)";
    return "";
}

// Offset of the first non-zero byte of `b`, or b.size() when it is all zeros.
inline size_t first_nonzero(const std::vector<std::byte>& b) {
    return static_cast<size_t>(std::find_if(b.begin(), b.end(), [](std::byte x) { return x != std::byte{0}; }) -
                               b.begin());
}

}  // namespace detail

// Bytes of the volume's start inspect_volume() reads: the first 128 KiB must be zeros (or hold our
// header), plus 8 KiB for the first ZFS uberblocks. One read, cheap on every transport.
inline constexpr size_t volume_inspect_bytes = (128 + 8) * 1024;

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
    if (err != raw::DecodeError::not_raw_dump) {
        // Our magic, but the header is torn, corrupt or of a newer version: it may be any host's dump.
        c.foreign = std::string("an unreadable kdump-failover dump header (") + raw::to_string(err) + ")";
        c.holds = c.foreign;
        return c;
    }
    c.foreign = detail::foreign_signature(b);
    if (c.foreign.empty()) {
        if (const size_t nonzero = detail::first_nonzero(b); nonzero < b.size())
            c.foreign = "data of an unknown kind (not zeros, not a kdump-failover dump: the first non-zero byte is "
                        "at offset " + std::to_string(nonzero) + ")";
    }
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
