// core/lifecycle/initramfs_image.h - what is inside an initramfs, read from the image itself.
//
// An initramfs is a sequence of "newc" cpio archives, each either plain or compressed, as the
// kernel unpacks it: dracut and initramfs-tools put an uncompressed early archive (CPU microcode)
// in front of the compressed main one. Between archives the kernel skips zero padding. This reads
// the same layout: plain archives, and gzip, zstd and xz streams (the compressions dracut and
// initramfs-tools use by default); a compressed stream may itself hold several archives.
//
// The image is read into memory and each compressed stream is unpacked whole: this runs on the
// normal system (status, estimate), never in the crash kernel, and kdump images unpack to tens of
// MiB.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace kdf::lifecycle {

struct InitramfsEntry {
    std::string name;  // without a leading "./" or "/": "usr/sbin/kdump-failover"
    uint32_t mode = 0;
    uint64_t size = 0;
};

struct InitramfsListing {
    std::vector<std::string> segments;  // "cpio", "gzip", "zstd", "xz", one per archive or stream, in order
    std::vector<InitramfsEntry> entries;
    uint64_t unpacked_bytes = 0;         // sum of the file sizes: what the crash kernel holds in RAM
    std::map<std::string, std::string> contents;  // the entries asked for in `want`, by name
    std::string error;                   // non-empty: the image is unreadable or malformed from here on
};

// Lists `path`; keeps the contents of the entries named in `want` (names as in InitramfsEntry).
InitramfsListing read_initramfs(const std::string& path, const std::set<std::string>& want = {});

// The same, for an image already in memory (`label` names it in errors).
InitramfsListing read_initramfs_bytes(const std::string& bytes, const std::string& label,
                                      const std::set<std::string>& want = {});

}  // namespace kdf::lifecycle
