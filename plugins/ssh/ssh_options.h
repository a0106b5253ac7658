// ssh_options.h - the `ssh` transport's option schema (as data) and its parsed form.
//
// ssh_option_specs() is what describe() publishes, so `kdump-failover check` validates keys and
// types offline; parse_ssh_options() applies the cross-field rules check() owes the host. No I/O:
// whether the key file exists, or the server answers, is probe()'s and open()'s business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/retention.h"
#include "kdf/status.h"

namespace kdf::ssh {

enum class Mode { sftp, stream };

// Where `kdump-failover keys` and a target without `identity`/`known_hosts` keep their files.
inline constexpr const char* default_identity = "/etc/kdump-failover/ssh/id_ed25519";
inline constexpr const char* default_known_hosts = "/etc/kdump-failover/ssh/known_hosts";

struct SshOptions {
    std::string host;
    unsigned port = 22;
    std::string user = "root";
    std::string identity = default_identity;        // private key file: 0600, owned by us, no passphrase
    std::string known_hosts = default_known_hosts;  // the only host keys trusted (strict checking)
    std::string path;                               // remote directory; must exist
    Mode mode = Mode::sftp;
    bool compression = false;       // the dump is compressed already: zlib on top only costs CPU
    std::string ciphers;            // "" = libssh's default order; e.g. "aes128-gcm@openssh.com"
    unsigned requests_in_flight = 0;  // sftp: WRITE requests unanswered at once; 0 = auto (WriteWindow::adaptive)
    uint64_t reserve = 64ull << 20;    // refuse to start below this much free space (when known)
    std::string stream_command = "cat > {file}";  // stream: remote shell command; {file} = quoted path
    RetentionPolicy retention;  // sftp: keep / min_free (kdf/retention.h)
};

// The schema, in the order `kdump-failover plugins` prints it.
std::vector<OptionSpec> ssh_option_specs();

// Parses and cross-checks a target's options; keys the host did not fill in get the schema's
// defaults. Errors are Code::invalid_config, one line, naming the config line.
Result<SshOptions> parse_ssh_options(const TargetConfig& target);

// "[host]:port" for port != 22, "host" otherwise: the known_hosts spelling, used in messages too.
std::string host_label(const SshOptions& o);

// 'text' quoted for a POSIX shell (single quotes, embedded ones escaped).
std::string shell_quote(const std::string& text);

// ENOENT for a `path` missing on the server (`where` is "host:path"), in both modes, probe and open.
Status remote_path_missing(const std::string& where);

}  // namespace kdf::ssh
