// iscsi_url.cpp - parsing iscsi:// URLs (see iscsi_url.h).
#include "iscsi_url.h"

#include <charconv>

namespace kdf::iscsi {

namespace {

bool decode_percent(std::string_view in, std::string& out) {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) return false;
        unsigned v = 0;
        auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
        if (ec != std::errc() || p != in.data() + i + 3) return false;
        out.push_back(static_cast<char>(v));
        i += 2;
    }
    return true;
}

// `text` with everything between the scheme and the last '@' replaced by "...": whatever was given
// as USER[%SECRET] never reaches an error message, however malformed the rest of the URL is. The
// last '@' counts because a secret may itself hold '@', '/' or '?' (an IQN never holds '@').
std::string redacted(std::string_view text) {
    const size_t scheme_end = text.find("://");
    const size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
    const size_t at = text.rfind('@');
    if (at == std::string_view::npos || at < start) return std::string(text);
    return std::string(text.substr(0, start)) + "...@" + std::string(text.substr(at + 1));
}

Status url_error(std::string_view text, std::string_view what) {
    return Status::error(Code::invalid_config, "iscsi: url '" + redacted(text) + "': " + std::string(what));
}

}  // namespace

std::string normalize_portal(std::string_view text) {
    if (text.empty()) return "";
    std::string host;
    std::string_view port;
    if (text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos || close == 1) return "";
        host = std::string(text.substr(0, close + 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return "";
            port = rest.substr(1);
        }
    } else {
        size_t colon = text.find(':');
        host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) port = text.substr(colon + 1);
        if (host.empty() || host.find_first_of("/@?[] ,") != std::string::npos) return "";
    }
    int p = 3260;
    if (!port.empty() || text.back() == ':') {
        auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
        if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) return "";
    }
    return host + ":" + std::to_string(p);
}

Result<IscsiUrl> parse_iscsi_url(std::string_view text) {
    constexpr std::string_view scheme = "iscsi://";
    if (!text.starts_with(scheme)) return url_error(text, "does not start with iscsi://");
    std::string_view rest = text.substr(scheme.size());
    IscsiUrl u;

    std::string_view query;
    if (size_t q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    // The user part first, before any error could echo it: everything up to the last '@'.
    if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        if (userinfo.find_first_of("%:/") != std::string_view::npos)
            return url_error(text, "a CHAP secret in the URL is refused (anyone listing processes sees it); put it "
                                   "in a root-only file and add ?chap_secret_file=FILE");
        u.user = std::string(userinfo);
        rest = rest.substr(at + 1);
    }
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return url_error(text, "needs /TARGET-IQN/LUN after the portal");
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = rest.substr(slash + 1);
    u.portal = normalize_portal(authority);
    if (u.portal.empty()) return url_error(text, "'" + std::string(authority) + "' is not HOST[:PORT]");

    size_t lun_slash = path.rfind('/');
    if (lun_slash == std::string_view::npos || lun_slash == 0)
        return url_error(text, "needs /TARGET-IQN/LUN after the portal");
    if (!decode_percent(path.substr(0, lun_slash), u.target) || u.target.empty())
        return url_error(text, "the target IQN has a bad %-escape");
    std::string_view lun = path.substr(lun_slash + 1);
    auto [ptr, ec] = std::from_chars(lun.data(), lun.data() + lun.size(), u.lun);
    if (lun.empty() || ec != std::errc() || ptr != lun.data() + lun.size() || u.lun < 0 || u.lun > 16383)
        return url_error(text, "LUN '" + std::string(lun) + "' is not a number from 0 to 16383");

    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        std::string key, value;
        if (eq == std::string_view::npos || !decode_percent(pair.substr(0, eq), key) ||
            !decode_percent(pair.substr(eq + 1), value) || key.empty())
            // A query part holding '@' may be the tail of a secret that held '?': not echoed.
            return url_error(text, pair.find('@') == std::string_view::npos
                                       ? "query part '" + std::string(pair) + "' is not KEY=VALUE"
                                       : std::string("a query part is not KEY=VALUE"));
        u.args[key] = value;
    }
    return u;
}

}  // namespace kdf::iscsi
