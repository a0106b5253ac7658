// lvm_options.h - the `lvm` transport's option schema (as data) and its parsed form.
//
// lvm_option_specs() is what describe() publishes, so `kdump-failover check` validates keys,
// types and choices offline; parse_lvm_options() adds the cross-field rules and does no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/options.h"
#include "kdf/status.h"

namespace kdf::lvm {

enum class Mode { raw, mounted };

struct LvmOptions {
    Mode mode = Mode::raw;
    std::string vg;
    std::string lv;
    std::vector<std::string> devices;  // globs; empty = every block device
    bool force = false;                // raw: write over a filesystem/LUKS/swap/LVM signature
    std::string mount_point;           // mounted: where the LV's filesystem is mounted
    std::string fs_type;               // mounted: "" = try ext4, xfs, btrfs, ext3, ext2 in turn
    std::string subdir;                // mounted: directory inside the filesystem the dumps go to
    bool activate = true;              // mounted: run the system's `lvm lvchange -ay` if the LV is not active
};

std::vector<OptionSpec> lvm_option_specs();

// Errors are Code::invalid_config naming the config line (target.where_of(key)).
Result<LvmOptions> parse_lvm_options(const TargetConfig& target);

// lvm2's rule for VG and LV names: [A-Za-z0-9+_.-], not starting with '-', not "." or "..".
bool is_lvm_name(const std::string& name);

// "lvm://VG/LV[?devices=GLOB,GLOB]" -> request fields; nullopt when it is not of that form.
struct LvmUrl {
    std::string vg;
    std::string lv;
    std::vector<std::string> devices;
};
std::optional<LvmUrl> parse_lvm_url(std::string_view url);

}  // namespace kdf::lvm
