// nfs_options.cpp - option table and cross-field rules of the `nfs` transport.
#include "nfs_options.h"

#include <optional>

#include "kdf/target_options.h"

#include "nfs_url.h"

namespace kdf::nfs {

std::vector<OptionSpec> nfs_option_specs() {
    std::vector<OptionSpec> specs = {
        {"url", OptionType::string, false, "",
         "nfs://server/export[?version=3|4&nfsport=N&mountport=N&uid=N&gid=N] (or server + export)", ""},
        {"server", OptionType::string, false, "", "NFS server name or IPv4 address (instead of url)", ""},
        {"export", OptionType::path, false, "", "exported path to mount, e.g. /export (instead of url)", ""},
        {"path", OptionType::path, false, "/",
         "existing directory below the export that dated dump directories are created in", ""},
        {"version", OptionType::choice, false, "", "NFS protocol version (default 3, or the url's version=)", "3|4"},
        {"nfs_port", OptionType::integer, false, "", "NFS port (default: rpcbind for v3, 2049 for v4)", ""},
        {"mount_port", OptionType::integer, false, "", "MOUNT port for v3 (default: ask rpcbind)", ""},
        {"uid", OptionType::integer, false, "", "user id presented to the server (default 0; root_squash maps 0 to nobody)", ""},
        {"gid", OptionType::integer, false, "", "group id presented to the server (default 0)", ""},
        {"inflight", OptionType::integer, false, "4", "WRITE calls kept in flight at once (1-256)", ""},
        {"write_size", OptionType::size, false, "1M", "bytes per WRITE call (capped by the server's maximum)", ""},
        {"reserve", OptionType::size, false, "64M", "do not start when the export has less free space than this", ""},
    };
    for (OptionSpec& spec : retention_option_specs()) specs.push_back(std::move(spec));
    return specs;
}

std::string NfsOptions::display() const {
    std::string d = "nfs://" + server + export_path;
    if (path != "/") d += path;
    return d;
}

namespace {

// "/a//b/./c/" -> "/a/b/c"; false for a relative path or one with "..".
bool normalize_absolute(const std::string& in, std::string& out) {
    if (in.empty() || in.front() != '/') return false;
    out.clear();
    size_t i = 0;
    while (i < in.size()) {
        size_t j = in.find('/', i);
        if (j == std::string::npos) j = in.size();
        std::string_view part(in.data() + i, j - i);
        if (part == "..") return false;
        if (!part.empty() && part != ".") out.append("/").append(part);
        i = j + 1;
    }
    if (out.empty()) out = "/";
    return true;
}

// An integer key in [lo, hi], or nullopt when the key is absent. `bad` receives the error.
std::optional<int> int_key(const TargetConfig& target, const std::vector<OptionSpec>& specs, const std::string& key,
                           int lo, int hi, std::optional<Status>& bad) {
    std::string text = option_value(target, specs, key);
    if (text.empty()) return std::nullopt;
    auto v = parse_integer(text);
    if (!v || *v < lo || *v > hi) {
        bad = option_error(target, "nfs", key, key + " '" + text + "' is not an integer from " + std::to_string(lo) + " to " +
                                            std::to_string(hi));
        return std::nullopt;
    }
    return static_cast<int>(*v);
}

// The key's value if set, else the URL's; both set and different is an error.
std::optional<int> merge(const TargetConfig& target, const std::string& key, std::optional<int> from_key,
                         std::optional<int> from_url, const char* url_arg, std::optional<Status>& bad) {
    if (from_key && from_url && *from_key != *from_url) {
        bad = option_error(target, "nfs", key, key + " = " + std::to_string(*from_key) + " contradicts the url's " + url_arg +
                                            "=" + std::to_string(*from_url) + "; set it in one place");
        return std::nullopt;
    }
    return from_key ? from_key : from_url;
}

}  // namespace

Result<NfsOptions> parse_nfs_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = nfs_option_specs();
    NfsOptions o;
    std::optional<Status> bad;

    const std::string url_text = option_value(target, specs, "url");
    const std::string server = option_value(target, specs, "server");
    const std::string export_path = option_value(target, specs, "export");
    NfsUrl url;
    if (!url_text.empty()) {
        if (!server.empty() || !export_path.empty())
            return option_error(target, "nfs", server.empty() ? "export" : "server",
                                "give either url or server + export, not both");
        Result<NfsUrl> parsed = parse_nfs_url(url_text);
        if (!parsed.is_ok()) return option_error(target, "nfs", "url", parsed.status().message());
        url = std::move(parsed).value();
        o.server = url.server;
        o.export_path = url.path;
    } else {
        if (server.empty()) return option_error(target, "nfs", "server", "set url, or server and export");
        if (export_path.empty()) return option_error(target, "nfs", "export", "server needs export (the exported path)");
        if (server.find_first_of(":/?[@ ") != std::string::npos)
            return option_error(target, "nfs", "server", "server '" + server +
                                                      "' must be a plain host name or IPv4 address (ports go in nfs_port/mount_port)");
        if (!normalize_absolute(export_path, o.export_path))
            return option_error(target, "nfs", "export", "export '" + export_path + "' must be an absolute path without '..'");
        o.server = server;
    }

    const std::string path = option_value(target, specs, "path");
    if (!normalize_absolute(path.empty() ? "/" : path, o.path))
        return option_error(target, "nfs", "path", "path '" + path + "' must be an absolute path (below the export) without '..'");

    const std::string version_text = option_value(target, specs, "version");
    std::optional<int> version;
    if (!version_text.empty()) {
        if (version_text != "3" && version_text != "4")
            return option_error(target, "nfs", "version", "version '" + version_text + "' is not 3 or 4");
        version = version_text == "3" ? 3 : 4;
    }
    version = merge(target, "version", version, url.version, "version", bad);
    auto nfs_port = merge(target, "nfs_port", int_key(target, specs, "nfs_port", 1, 65535, bad), url.nfs_port, "nfsport", bad);
    auto mount_port =
        merge(target, "mount_port", int_key(target, specs, "mount_port", 1, 65535, bad), url.mount_port, "mountport", bad);
    auto uid = merge(target, "uid", int_key(target, specs, "uid", 0, 2147483647, bad), url.uid, "uid", bad);
    auto gid = merge(target, "gid", int_key(target, specs, "gid", 0, 2147483647, bad), url.gid, "gid", bad);
    auto inflight = int_key(target, specs, "inflight", 1, 256, bad);
    if (bad) return *bad;
    o.version = version.value_or(3);
    o.nfs_port = nfs_port.value_or(0);
    o.mount_port = mount_port.value_or(0);
    o.uid = uid.value_or(0);
    o.gid = gid.value_or(0);
    o.inflight = static_cast<uint32_t>(inflight.value_or(4));
    if (o.version == 4 && o.mount_port != 0)
        return option_error(target, "nfs", "mount_port", "mount_port is for NFSv3; NFSv4 has no MOUNT protocol");

    for (const char* key : {"write_size", "reserve"}) {
        std::string text = option_value(target, specs, key);
        auto size = parse_size(text);
        if (!size) return option_error(target, "nfs", key, std::string(key) + " '" + text + "' is not a size (e.g. 1M)");
        (std::string_view(key) == "reserve" ? o.reserve : o.write_size) = *size;
    }
    if (o.write_size < 4096 || o.write_size > (1ull << 20))
        return option_error(target, "nfs", "write_size", "write_size must be from 4K to 1M");
    Result<RetentionPolicy> retention = parse_retention(target, "nfs");
    if (!retention.is_ok()) return retention.take_status();
    o.retention = retention.value();
    return o;
}

}  // namespace kdf::nfs
