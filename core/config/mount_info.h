// core/config/mount_info.h - reads /proc/self/mountinfo and describes what is mounted where.
//
// Used by the kdump-failover 0.2 migration: the old config only names mount points, and the old
// generator worked out device and fstype from the live mount table; we do the same to tell the
// user what their targets are (NFS export, LVM volume, block device).
//
// mountinfo line (proc(5)):  36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw
//   field 5 = mount point, after the " - " separator: fstype, source, super options.
// Blanks, tabs, newlines and backslashes in paths are written as octal escapes (\040 \011 \012 \134).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kdf::chain {

struct MountEntry {
    std::string mount_point;  // unescaped
    std::string fstype;       // "nfs4", "xfs", ...
    std::string source;       // "/dev/mapper/vg-lv", "server:/export", ...
};

// Undoes the kernel's octal escapes ("\040" -> ' '); a backslash not followed by three octal
// digits is kept as is.
std::string unescape_mount_field(std::string_view field);

// Parses mountinfo text; malformed lines are skipped (the kernel does not write them).
std::vector<MountEntry> parse_mountinfo(std::string_view text);

// The entry mounted at `mount_point` (trailing '/' ignored); the last one wins, because a later
// mount on the same point hides the earlier ones.
std::optional<MountEntry> find_mount(const std::vector<MountEntry>& mounts, std::string_view mount_point);

// One phrase for people: "NFS export srv:/dumps (nfs4)", "LVM volume vg-data/lv-crash
// (/dev/mapper/vg--data-lv--crash, xfs)", "/dev/sdb1 (ext4)". `sys_block_dir` resolves /dev/dm-N.
std::string describe_mount(const MountEntry& mount, const std::string& sys_block_dir);

// Reads a whole small file (mountinfo, /sys attributes, the config); nullopt on failure, with the
// errno in *err when err is given.
std::optional<std::string> read_small_file(const std::string& path, int* err = nullptr);

}  // namespace kdf::chain
