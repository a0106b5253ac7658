// iscsi_url.h - libiscsi's URL form of a LUN, as the `url` option and `kdump-failover save` take it.
//
//   iscsi://[USER@]HOST[:PORT]/TARGET-IQN/LUN[?KEY=VALUE&...]
//
// HOST may be an IPv4 address, a name, or [IPv6]. A raw ':' in the IQN is fine, %XX is decoded.
// libiscsi also accepts USER%PASSWORD@: that form is refused, because a CHAP secret on a command
// line or in a config file is readable by anyone who can list processes or read the file; the
// secret belongs in a root-only file (query key chap_secret_file). The query carries the same keys
// as the target options that make sense for one LUN (initiator, chap_secret_file,
// mutual_chap_user, mutual_chap_secret_file, header_digest).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "kdf/status.h"

namespace kdf::iscsi {

struct IscsiUrl {
    std::string portal;  // "host:port" (port 3260 when the URL has none)
    std::string target;  // IQN
    int lun = -1;
    std::string user;    // CHAP user name, "" = no CHAP
    std::map<std::string, std::string> args;  // query keys, decoded
};

// Parses `text`; errors are Code::invalid_config, "iscsi: url '...': what is wrong". Every error
// shows the URL with its USER[%SECRET]@ part as "...@", so a password given anyway is never echoed,
// whatever else is wrong with the URL.
Result<IscsiUrl> parse_iscsi_url(std::string_view text);

// "host:3260" for "host", "[::1]:3260" for "[::1]"; "" when `text` is not a usable host[:port].
std::string normalize_portal(std::string_view text);

}  // namespace kdf::iscsi
