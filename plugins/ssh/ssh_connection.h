// ssh_connection.h - one authenticated SSH session to a target (libssh), with its watchdog.
//
// open() is the whole trust decision of the plugin, strict by design:
//   1. connect within opts.deadline (SSH_OPTIONS_TIMEOUT; a refused port fails at once);
//   2. the server's host key must be in the target's known_hosts file, and only there (the global
//      file and ~/.ssh/config are ignored): unknown, changed or other-type keys fail with the
//      server key's SHA256 fingerprint and the admin step that trusts it (`ssh-trust TARGET`);
//   3. public-key authentication with the target's identity file, which must be owned by us and
//      unreadable by group and others, and carry no passphrase (nobody types one in a crash kernel).
// TCP_NODELAY is always on: without it every small SFTP request waits for the peer's delayed ACK.
//
// Every later blocking call on the session runs under the watchdog (SocketWatchdog) armed with the
// caller's deadline; failure() turns a libssh error into a Status, Code::timeout when the
// watchdog was what ended the call. Owned by one thread at a time; not movable (the watchdog
// thread refers to it), hence handed out as unique_ptr.
#pragma once

#include <libssh/libssh.h>

#include <memory>
#include <string>
#include <string_view>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "socket_watchdog.h"
#include "ssh_options.h"

namespace kdf::ssh {

// The key a server presented, for messages and for ssh-trust.
struct ServerKey {
    std::string type;          // "ssh-ed25519"
    std::string fingerprint;   // "SHA256:..."
    std::string known_hosts_line;  // "[127.0.0.1]:2222 ssh-ed25519 AAAA..." (no newline)
};

class SshConnection {
public:
    // Steps 1-3 above. `target_name` only appears in the hints of the messages.
    static Result<std::unique_ptr<SshConnection>> open(const SshOptions& o, const std::string& target_name,
                                                       const CallOptions& opts);
    // Step 1 only: for ssh-trust, which decides about the key itself. Never authenticates.
    static Result<std::unique_ptr<SshConnection>> connect_only(const SshOptions& o, const CallOptions& opts);

    // Takes over a connected session; open()/connect_only() are the way to get one.
    SshConnection(ssh_session s, std::string label);
    ~SshConnection();
    SshConnection(const SshConnection&) = delete;
    SshConnection& operator=(const SshConnection&) = delete;

    ssh_session session() const noexcept { return session_; }
    int fd() const noexcept { return ssh_get_fd(session_); }
    SocketWatchdog& watchdog() noexcept { return watchdog_; }
    const std::string& label() const noexcept { return label_; }

    // What the server presented (valid after connect).
    Result<ServerKey> server_key() const;
    // The known_hosts verdict for the server's key.
    enum ssh_known_hosts_e known_state() const { return ssh_session_is_known_server(session_); }

    // A failed libssh call on this session as one line: "ssh: <what>: <libssh error>", or
    // Code::timeout when the watchdog cut the call short.
    Status failure(std::string_view what, Code code = Code::system) const;

private:
    static Result<std::unique_ptr<SshConnection>> connect(const SshOptions& o, const CallOptions& opts);
    Status check_host_key(const SshOptions& o, const std::string& target_name) const;
    Status authenticate(const SshOptions& o, const CallOptions& opts);

    ssh_session session_;
    std::string label_;
    SocketWatchdog watchdog_;  // declared last: destroyed (joined) before anything it might touch
};

// The identity file may only be readable by its owner, who must be us. ok, or a Code::auth/not_found
// Status with the fix ("chmod 600 FILE", "kdump-failover keys").
Status check_identity_file(const std::string& path);

}  // namespace kdf::ssh
