// local_options.cpp - option table and cross-field rules of the `local` transport.
#include "local_options.h"

#include <optional>

namespace kdf::local {

std::vector<OptionSpec> local_option_specs() {
    return {
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
    };
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

// The value of `key`, or the schema default when the host did not supply one.
std::string value_of(const TargetConfig& target, const std::vector<OptionSpec>& specs, const std::string& key) {
    if (const OptionValue* v = target.find(key)) return std::string(trim(v->text));
    for (const OptionSpec& s : specs)
        if (s.key == key) return s.default_value;
    return {};
}

Status config_error(const TargetConfig& target, const std::string& key, const std::string& text) {
    std::string where = target.where_of(key);
    std::string msg = where.empty() ? std::string() : where + ": ";
    msg += "local: " + text;
    return Status::error(Code::invalid_config, msg).with_target(target.name).with_stage(Stage::config);
}

// A usable absolute path: no relative form, no '..' (it would defeat the "at or below" rules).
std::optional<Status> check_absolute(const TargetConfig& target, const std::string& key, const std::string& value) {
    if (value.front() != '/') return config_error(target, key, key + " '" + value + "' must be an absolute path");
    std::string n = normalize_path(value);
    if (n.find("/../") != std::string::npos || n.ends_with("/.."))
        return config_error(target, key, key + " '" + value + "' must not contain '..'");
    return std::nullopt;
}

}  // namespace

Result<LocalOptions> parse_local_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = local_option_specs();
    LocalOptions o;

    std::string mode = value_of(target, specs, "mode");
    if (mode == "dir") o.mode = Mode::dir;
    else if (mode == "raw") o.mode = Mode::raw;
    else return config_error(target, "mode", "mode '" + mode + "' is not one of dir|raw");

    auto boolean = [&](const char* key, bool& out) -> std::optional<Status> {
        std::string text = value_of(target, specs, key);
        auto b = parse_bool(text);
        if (!b) return config_error(target, key, std::string(key) + " '" + text + "' is not yes or no");
        out = *b;
        return std::nullopt;
    };
    bool require_mount = false;
    if (auto err = boolean("require_mount", require_mount)) return *err;
    if (auto err = boolean("fsync", o.fsync)) return *err;

    std::string reserve = value_of(target, specs, "reserve");
    auto size = parse_size(reserve);
    if (!size) return config_error(target, "reserve", "reserve '" + reserve + "' is not a size (e.g. 64M)");
    o.reserve = *size;

    std::string path = value_of(target, specs, "path");
    std::string device = value_of(target, specs, "device");
    std::string mount_point = value_of(target, specs, "mount_point");

    if (o.mode == Mode::raw) {
        if (device.empty()) return config_error(target, "device", "mode raw needs `device` (a block device)");
        if (auto err = check_absolute(target, "device", device)) return *err;
        // Refusing directory-mode keys here catches a half-edited section before a crash does.
        if (!path.empty())
            return config_error(target, "path", "path is for mode dir; mode raw writes to `device`");
        if (!mount_point.empty() || require_mount)
            return config_error(target, mount_point.empty() ? "require_mount" : "mount_point",
                                "mount_point/require_mount apply to mode dir only");
        o.device = normalize_path(device);
        return o;
    }

    if (path.empty()) return config_error(target, "path", "mode dir needs `path` (the existing dump directory)");
    if (auto err = check_absolute(target, "path", path)) return *err;
    if (!device.empty()) return config_error(target, "device", "device is for mode raw; mode dir writes under `path`");
    o.path = normalize_path(path);

    if (require_mount && !mount_point.empty() && normalize_path(mount_point) != o.path)
        return config_error(target, "require_mount",
                            "require_mount = yes means mount_point = path; set only one of them");
    if (!mount_point.empty()) {
        if (auto err = check_absolute(target, "mount_point", mount_point)) return *err;
        o.mount_point = normalize_path(mount_point);
        if (!path_is_at_or_below(o.path, o.mount_point))
            return config_error(target, "mount_point",
                                "path '" + o.path + "' is not at or below mount_point '" + o.mount_point + "'");
    } else if (require_mount) {
        o.mount_point = o.path;
    }
    return o;
}

}  // namespace kdf::local
