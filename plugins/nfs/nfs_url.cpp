// nfs_url.cpp - parsing and validation of the libnfs URL form.
#include "nfs_url.h"

#include <charconv>

namespace kdf::nfs {

namespace {

constexpr const char* kAccepted = "version, nfsport, mountport, uid, gid";

Status url_error(const std::string& text) { return Status::error(Code::invalid_config, text); }

std::optional<int> parse_int(std::string_view s, int lo, int hi) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
    return v;
}

// Applies one `key=value` argument; an error names it.
Status apply_arg(NfsUrl& url, std::string_view arg) {
    size_t eq = arg.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return url_error("URL argument '" + std::string(arg) + "' is not key=value");
    std::string key(arg.substr(0, eq));
    std::string_view value = arg.substr(eq + 1);
    struct Field {
        const char* key;
        std::optional<int> NfsUrl::*member;
        int lo, hi;
        const char* expect;
    };
    static const Field fields[] = {
        {"version", &NfsUrl::version, 3, 4, "3 or 4"},
        {"nfsport", &NfsUrl::nfs_port, 1, 65535, "a port number"},
        {"mountport", &NfsUrl::mount_port, 1, 65535, "a port number"},
        {"uid", &NfsUrl::uid, 0, 2147483647, "a numeric user id"},
        {"gid", &NfsUrl::gid, 0, 2147483647, "a numeric group id"},
    };
    for (const Field& f : fields) {
        if (key != f.key) continue;
        if (url.*f.member) return url_error("URL argument '" + key + "' is given twice");
        auto v = parse_int(value, f.lo, f.hi);
        if (!v) return url_error("URL argument " + key + "=" + std::string(value) + " is not " + f.expect);
        url.*f.member = *v;
        return Status::ok();
    }
    return url_error("unknown URL argument '" + key + "' (libnfs would silently ignore it); accepted: " + kAccepted);
}

}  // namespace

Result<NfsUrl> parse_nfs_url(std::string_view text) {
    constexpr std::string_view scheme = "nfs://";
    if (!text.starts_with(scheme)) return url_error("URL '" + std::string(text) + "' does not start with nfs://");
    std::string_view rest = text.substr(scheme.size());
    size_t query_at = rest.find('?');
    std::string_view query = query_at == std::string_view::npos ? std::string_view() : rest.substr(query_at + 1);
    std::string_view location = rest.substr(0, query_at);

    size_t slash = location.find('/');
    std::string_view host = location.substr(0, slash);
    NfsUrl url;
    if (host.empty()) return url_error("URL '" + std::string(text) + "' names no server");
    if (host.front() == '[')
        return url_error("URL server '" + std::string(host) + "': libnfs 4.0.0 does not accept IPv6 literals; use a host name");
    if (host.find('@') != std::string_view::npos)
        return url_error("URL server '" + std::string(host) + "': user names are not part of NFS URLs; use uid=/gid=");
    if (host.find(':') != std::string_view::npos)
        return url_error("URL server '" + std::string(host) +
                         "': libnfs 4.0.0 takes no host:port; give the ports as ?nfsport=N (and &mountport=N for v3)");
    url.server = host;
    if (slash == std::string_view::npos)
        return url_error("URL '" + std::string(text) + "' names no export path (nfs://server/export)");
    url.path = location.substr(slash);
    while (url.path.size() > 1 && url.path.back() == '/') url.path.pop_back();
    if (url.path.find("/../") != std::string::npos || url.path.ends_with("/.."))
        return url_error("URL path '" + url.path + "' must not contain '..'");

    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view arg = query.substr(0, amp);
        if (!arg.empty())
            if (Status s = apply_arg(url, arg); !s.is_ok()) return s;
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return url;
}

}  // namespace kdf::nfs
