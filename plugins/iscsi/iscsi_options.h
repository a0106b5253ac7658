// iscsi_options.h - the `iscsi` transport's option schema (as data) and its parsed form.
//
// A target names its LUN either as `portal` (one or more HOST[:PORT], tried in order) + `target`
// (or SendTargets discovery filtered by `target_match`) + `lun`, or as one libiscsi `url`, never
// both. CHAP secrets live in root-only files (`chap_secret_file`, `mutual_chap_secret_file`): the
// options carry only their paths, and nothing here ever reads or prints a secret. parse does no
// I/O; reading the secret files is chap_secret.h's, at login.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/status.h"
#include "iscsi_url.h"

namespace kdf::iscsi {

struct IscsiOptions {
    std::vector<std::string> portals;  // "host:port", in the order they are tried
    std::string target;                // IQN; "" = discover with SendTargets
    std::string target_match;          // with discovery: a glob the IQN must match ("" = the only target)
    int lun = 1;
    std::string initiator;             // our IQN
    std::string chap_user;             // "" = no CHAP
    std::string chap_secret_file;
    std::string mutual_chap_user;      // "" = the target does not authenticate itself
    std::string mutual_chap_secret_file;
    bool header_digest = false;        // CRC32C header digest required
    uint32_t inflight = 8;             // WRITE(16) commands in flight at once
    uint64_t write_size = 1ull << 20;  // bytes per WRITE(16)
    bool force = false;                // write over a LUN that holds a filesystem, a table, another host's dump

    // "iscsi://PORTAL/IQN/LUN" with the first portal (the target "?" while it is still to be
    // discovered); never a secret.
    std::string display() const;
};

std::vector<OptionSpec> iscsi_option_specs();

// Errors are Code::invalid_config, one line, naming target.where_of(key).
Result<IscsiOptions> parse_iscsi_options(const TargetConfig& target);

// The options `kdump-failover save URL` uses: the URL's portal, target, LUN, user and query keys
// (initiator, chap_secret_file, mutual_chap_user, mutual_chap_secret_file, header_digest).
Result<IscsiOptions> options_from_url(const IscsiUrl& url);

// "iqn.2004-10.org.kdump-failover:<hostname>": a stable initiator name per machine, so a target's
// ACL can name it.
std::string default_initiator();

}  // namespace kdf::iscsi
