// lvm_options.cpp - option table, cross-field rules and the lvm:// URL of the `lvm` transport.
#include "lvm_options.h"

#include <optional>

#include "kdf/target_options.h"

namespace kdf::lvm {

std::vector<OptionSpec> lvm_option_specs() {
    return {
        {"mode", OptionType::choice, false, "raw",
         "raw: the dump goes straight into the LV's extents behind a header, found from the LVM2 metadata "
         "without device-mapper; mounted: onto the filesystem the LV holds (activated by the distribution)",
         "raw|mounted"},
        {"vg", OptionType::string, true, "", "volume group name (may contain '-')", ""},
        {"lv", OptionType::string, true, "", "logical volume name (may contain '-')", ""},
        {"devices", OptionType::string, false, "",
         "raw: space-separated globs of the devices to scan for the VG's PVs (default: every block device)", ""},
        {"force", OptionType::boolean, false, "no",
         "raw: write even when the LV holds a filesystem, swap, LUKS or LVM signature, or another host's unsaved dump",
         ""},
        {"mount_point", OptionType::path, false, "/run/kdump-failover/lvm",
         "mounted: where the LV's filesystem is mounted for the dump (created if missing)", ""},
        {"fs_type", OptionType::string, false, "", "mounted: filesystem type (default: ext4, xfs, btrfs, ext3, ext2 in turn)",
         ""},
        {"subdir", OptionType::string, false, "", "mounted: directory inside the filesystem the dumps go under", ""},
        {"activate", OptionType::boolean, false, "yes",
         "mounted: when the LV is not active, activate it with the system's lvm2 (lvm lvchange -ay VG/LV)", ""},
    };
}

bool is_lvm_name(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.front() == '-' || name.size() > 127) return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                        c == '_' || c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

namespace {

std::vector<std::string> split_words(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        if (c == sep || (sep == ' ' && c == '\t')) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

}  // namespace

Result<LvmOptions> parse_lvm_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = lvm_option_specs();
    LvmOptions o;
    const std::string mode = option_value(target, specs, "mode");
    if (mode == "raw") o.mode = Mode::raw;
    else if (mode == "mounted") o.mode = Mode::mounted;
    else return option_error(target, "lvm", "mode", "mode '" + mode + "' is not one of raw|mounted");

    o.vg = option_value(target, specs, "vg");
    o.lv = option_value(target, specs, "lv");
    for (const char* key : {"vg", "lv"}) {
        const std::string& v = std::string(key) == "vg" ? o.vg : o.lv;
        if (!is_lvm_name(v))
            return option_error(target, "lvm", key,
                                std::string(key) + " '" + v +
                                    "' is not an LVM name (letters, digits, + _ . -; not starting with '-')");
    }
    for (const std::string& glob : split_words(option_value(target, specs, "devices"), ' ')) {
        if (glob.front() != '/')
            return option_error(target, "lvm", "devices", "devices entry '" + glob + "' must be an absolute path or glob");
        o.devices.push_back(glob);
    }
    const std::string force = option_value(target, specs, "force");
    auto b = parse_bool(force);
    if (!b) return option_error(target, "lvm", "force", "force '" + force + "' is not yes or no");
    o.force = *b;

    const std::string activate = option_value(target, specs, "activate");
    auto a = parse_bool(activate);
    if (!a) return option_error(target, "lvm", "activate", "activate '" + activate + "' is not yes or no");
    o.activate = *a;

    o.mount_point = option_value(target, specs, "mount_point");
    o.fs_type = option_value(target, specs, "fs_type");
    o.subdir = option_value(target, specs, "subdir");
    if (o.mode == Mode::mounted) {
        if (o.mount_point.empty() || o.mount_point.front() != '/' || o.mount_point.find("/../") != std::string::npos ||
            o.mount_point.ends_with("/.."))
            return option_error(target, "lvm", "mount_point",
                                "mount_point '" + o.mount_point + "' must be an absolute path without '..'");
        if (!o.subdir.empty() && (o.subdir.front() == '/' || o.subdir == ".." || o.subdir.starts_with("../") ||
                                  o.subdir.find("/../") != std::string::npos || o.subdir.ends_with("/..")))
            return option_error(target, "lvm", "subdir", "subdir '" + o.subdir + "' must be relative, without '..'");
        if (!o.devices.empty() || o.force)
            return option_error(target, "lvm", o.devices.empty() ? "force" : "devices",
                                "devices and force apply to mode raw only");
    } else if (!o.subdir.empty() || !o.fs_type.empty()) {
        const char* key = !o.subdir.empty() ? "subdir" : "fs_type";
        return option_error(target, "lvm", key, std::string(key) + " applies to mode mounted only");
    }
    return o;
}

std::optional<LvmUrl> parse_lvm_url(std::string_view url) {
    constexpr std::string_view scheme = "lvm://";
    if (!url.starts_with(scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    std::string_view query;
    if (size_t q = url.find('?'); q != std::string_view::npos) {
        query = url.substr(q + 1);
        url = url.substr(0, q);
    }
    const size_t slash = url.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    LvmUrl out{std::string(url.substr(0, slash)), std::string(url.substr(slash + 1)), {}};
    if (!is_lvm_name(out.vg) || !is_lvm_name(out.lv)) return std::nullopt;
    if (!query.empty()) {
        if (!query.starts_with("devices=")) return std::nullopt;
        out.devices = split_words(std::string(query.substr(8)), ',');
        for (const std::string& g : out.devices)
            if (g.front() != '/') return std::nullopt;
    }
    return out;
}

}  // namespace kdf::lvm
