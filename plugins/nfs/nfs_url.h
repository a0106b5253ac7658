// nfs_url.h - the libnfs URL form (nfs://server/export/path?arg=value&...), parsed and validated
// by us, because libnfs 4.0.0 silently ignores arguments it does not know (`?nfsprot=2050` would
// quietly mean "ask rpcbind") and fails late and vaguely on `host:port`.
//
// Accepted: nfs://HOST/PATH[?ARGS] where HOST is a name or an IPv4 address (libnfs 4.0.0 takes no
// port there and no [IPv6] literal) and ARGS are version=3|4, nfsport=N, mountport=N, uid=N,
// gid=N, each at most once. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kdf/status.h"

namespace kdf::nfs {

struct NfsUrl {
    std::string server;
    std::string path;  // what gets mounted: "/export/sub" (always starts with '/')
    std::optional<int> version;
    std::optional<int> nfs_port;
    std::optional<int> mount_port;
    std::optional<int> uid;
    std::optional<int> gid;
};

// One line saying what is wrong (without the "file:line: nfs: " prefix) on failure.
Result<NfsUrl> parse_nfs_url(std::string_view text);

}  // namespace kdf::nfs
