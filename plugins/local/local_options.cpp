// local_options.cpp - option table and cross-field rules of the `local` transport.
#include "local_options.h"

#include <optional>

#include "kdf/target_options.h"

namespace kdf::local {

std::vector<OptionSpec> local_option_specs() {
    std::vector<OptionSpec> specs = {
        {"mode", OptionType::choice, false, "dir",
         "dir: dumps go into a dated directory under `path`; raw: onto `device` behind a header", "dir|raw"},
        {"path", OptionType::path, false, "",
         "dir mode (required): existing directory the dated dump directory is created in", ""},
        {"device", OptionType::path, false, "",
         "raw mode (required): block device (or regular file) the dump is written to", ""},
        {"mount_point", OptionType::path, false, "",
         "dir mode: this directory must be a mount point and hold `path` (guards against an unmounted disk)", ""},
        {"require_mount", OptionType::boolean, false, "no", "dir mode: shorthand for mount_point = path", ""},
        {"reserve", OptionType::size, false, "64M",
         "dir mode: do not start when the filesystem has less free space than this", ""},
        {"fsync", OptionType::boolean, false, "yes", "flush the dump to stable storage before committing it", ""},
        {"force", OptionType::boolean, false, "no",
         "raw mode: write even over a device holding a filesystem, partition table, other data or another "
         "host's unsaved dump",
         ""},
    };
    for (OptionSpec& spec : retention_option_specs()) {
        spec.help = "dir mode: " + spec.help;
        specs.push_back(std::move(spec));
    }
    return specs;
}

std::string normalize_path(const std::string& path) {
    std::string out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string_view part(path.data() + i, j - i);
        if (!part.empty() && part != ".") {
            out += '/';
            out.append(part);
        }
        i = j + 1;
    }
    if (out.empty()) return path.empty() ? std::string() : std::string("/");
    if (path.front() != '/') out.erase(0, 1);  // keep a relative path relative (check() refuses it)
    return out;
}

bool path_is_at_or_below(const std::string& inner, const std::string& outer) {
    if (outer == "/") return !inner.empty() && inner.front() == '/';
    if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
    return inner.size() == outer.size() || inner[outer.size()] == '/';
}

namespace {

// A usable absolute path: no relative form, no '..' (it would defeat the "at or below" rules).
std::optional<Status> check_absolute(const TargetConfig& target, const std::string& key, const std::string& value) {
    if (value.front() != '/') return option_error(target, "local", key, key + " '" + value + "' must be an absolute path");
    std::string n = normalize_path(value);
    if (n.find("/../") != std::string::npos || n.ends_with("/.."))
        return option_error(target, "local", key, key + " '" + value + "' must not contain '..'");
    return std::nullopt;
}

}  // namespace

Result<LocalOptions> parse_local_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = local_option_specs();
    LocalOptions o;

    std::string mode = option_value(target, specs, "mode");
    if (mode == "dir") o.mode = Mode::dir;
    else if (mode == "raw") o.mode = Mode::raw;
    else return option_error(target, "local", "mode", "mode '" + mode + "' is not one of dir|raw");

    auto boolean = [&](const char* key, bool& out) -> std::optional<Status> {
        std::string text = option_value(target, specs, key);
        auto b = parse_bool(text);
        if (!b) return option_error(target, "local", key, std::string(key) + " '" + text + "' is not yes or no");
        out = *b;
        return std::nullopt;
    };
    bool require_mount = false;
    if (auto err = boolean("require_mount", require_mount)) return *err;
    if (auto err = boolean("fsync", o.fsync)) return *err;
    if (auto err = boolean("force", o.force)) return *err;

    std::string reserve = option_value(target, specs, "reserve");
    auto size = parse_size(reserve);
    if (!size) return option_error(target, "local", "reserve", "reserve '" + reserve + "' is not a size (e.g. 64M)");
    o.reserve = *size;

    Result<RetentionPolicy> retention = parse_retention(target, "local");
    if (!retention.is_ok()) return retention.take_status();
    o.retention = retention.value();

    std::string path = option_value(target, specs, "path");
    std::string device = option_value(target, specs, "device");
    std::string mount_point = option_value(target, specs, "mount_point");

    if (o.mode == Mode::raw) {
        if (device.empty()) return option_error(target, "local", "device", "mode raw needs `device` (a block device)");
        if (auto err = check_absolute(target, "device", device)) return *err;
        // Refusing directory-mode keys here catches a half-edited section before a crash does.
        if (!path.empty())
            return option_error(target, "local", "path", "path is for mode dir; mode raw writes to `device`");
        if (!mount_point.empty() || require_mount)
            return option_error(target, "local", mount_point.empty() ? "require_mount" : "mount_point",
                                "mount_point/require_mount apply to mode dir only");
        // A raw device holds one dump: there is nothing to keep or remove.
        if (o.retention.active())
            return option_error(target, "local", o.retention.keep != 0 ? "keep" : "min_free",
                                "keep/min_free apply to mode dir only (a raw device holds one dump)");
        o.device = normalize_path(device);
        return o;
    }
    if (o.force) return option_error(target, "local", "force", "force applies to mode raw only");

    if (path.empty()) return option_error(target, "local", "path", "mode dir needs `path` (the existing dump directory)");
    if (auto err = check_absolute(target, "path", path)) return *err;
    if (!device.empty()) return option_error(target, "local", "device", "device is for mode raw; mode dir writes under `path`");
    o.path = normalize_path(path);

    if (require_mount && !mount_point.empty() && normalize_path(mount_point) != o.path)
        return option_error(target, "local", "require_mount",
                            "require_mount = yes means mount_point = path; set only one of them");
    if (!mount_point.empty()) {
        if (auto err = check_absolute(target, "mount_point", mount_point)) return *err;
        o.mount_point = normalize_path(mount_point);
        if (!path_is_at_or_below(o.path, o.mount_point))
            return option_error(target, "local", "mount_point",
                                "path '" + o.path + "' is not at or below mount_point '" + o.mount_point + "'");
    } else if (require_mount) {
        o.mount_point = o.path;
    }
    return o;
}

}  // namespace kdf::local
