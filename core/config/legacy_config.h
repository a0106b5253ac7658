// core/config/legacy_config.h - reads the kdump-failover 0.2 config (the form before sections).
//
// That form is six `key=value` lines and no sections:
//   core_collector, kdump_post_script, primary_mount, primary_path, backup_mount, backup_path
// It maps onto a two-target chain of local targets:
//   [target primary] type = local, path = <primary_mount>/<primary_path>, mount_point = <primary_mount>
//   [target backup]  type = local, path = <backup_mount>/<backup_path>,   mount_point = <backup_mount>
// and the result carries one notice showing that new form, so the user can switch over.
//
// Differences from 0.2, on purpose:
//  - a value is everything after the first '=' (0.2's `cut -d= -f2` cut "a=b=c" to "b"); a notice
//    names each line where the two readings differ;
//  - core_collector is not run: its makedumpfile options are noted; those this build cannot apply
//    (dump level, compression) are reported in a notice, not as an error, so the dump is still saved;
//  - kdump_post_script is obsolete (kdump-failover is the hook itself): a notice;
//  - the dump directory is named {host}-{date} like every other dump, not "<date>-fallback";
//  - a mount point not mounted now is fine (the crash kernel mounts its own); the mount table is only
//    read to tell the user what each target is (NFS export, LVM volume, device).
#pragma once

#include <string>
#include <string_view>

#include "core/config/config.h"

namespace kdf::chain {

// True for the six 0.2 keys.
bool is_legacy_key(std::string_view key);

// True when `text` has no [section] line and at least one 0.2 key: parse_config() then reads it
// with parse_legacy_config().
bool looks_like_legacy_config(std::string_view text);

ConfigLoad parse_legacy_config(std::string_view text, const std::string& file_name, const LoadOptions& opts);

// "/mnt/a/" + "/dumps/x" -> "/mnt/a/dumps/x": one '/' between parts, repeated '/' collapsed, no
// trailing '/' (except for "/" itself).
std::string join_mount_path(std::string_view mount, std::string_view path);

}  // namespace kdf::chain
