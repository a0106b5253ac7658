// nfs_options.h - the `nfs` transport's option schema (as data) and its parsed form.
//
// A target names its server either as one `url` (libnfs form, nfs://server/export?nfsport=..)
// or as `server` + `export` (+ `nfs_port`/`mount_port`), never both. `path` is the existing
// directory below the mounted export that dated dump directories go into. parse_nfs_options() does
// no I/O: whether the export exists or is writable is open()'s and probe()'s business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/retention.h"
#include "kdf/status.h"

namespace kdf::nfs {

struct NfsOptions {
    std::string server;
    std::string export_path;  // what is mounted, e.g. "/export" (always absolute)
    std::string path = "/";   // directory below the export holding the dumps ("/" = the export itself)
    int version = 3;
    int nfs_port = 0;         // 0: rpcbind (v3) or 2049 (v4)
    int mount_port = 0;       // 0: rpcbind (v3 only)
    int uid = 0;              // AUTH_SYS credentials presented to the server
    int gid = 0;
    uint32_t inflight = 4;    // WRITE calls in flight at once
    uint64_t write_size = 1ull << 20;  // bytes per WRITE (capped by the server's wtmax)
    uint64_t reserve = 64ull << 20;    // refuse to start below this much free space
    RetentionPolicy retention;         // keep / min_free (kdf/retention.h)

    // "nfs://server/export" for messages (never with the credentials).
    std::string display() const;
    // The directory that holds the dated dump directories, as libnfs paths are given: relative to
    // the mount ("/" or "/sub/dir").
    const std::string& dump_root() const { return path; }
};

// The schema, in the order `kdump-failover plugins` prints it.
std::vector<OptionSpec> nfs_option_specs();

// Parses and cross-checks a target's options; defaults are the schema's for keys the host did not
// fill in. Errors are Code::invalid_config, one line, naming target.where_of(key).
Result<NfsOptions> parse_nfs_options(const TargetConfig& target);

// Largest WRITE libnfs 4.0.0 can encode for NFSv4 (its COMPOUND buffer is fixed at 4 KiB; fixed
// upstream after 4.0.0). Larger NFSv4 writes are split to this size.
inline constexpr uint64_t kNfs4MaxWrite = 3840;

}  // namespace kdf::nfs
