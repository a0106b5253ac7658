// ssh_connection.cpp - connect, strict host-key check, key authentication.
#include "ssh_connection.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace kdf::ssh {

namespace {

// libssh frees its strings and keys with its own functions; these keep every path leak-free.
struct KeyDeleter {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
using UniqueKey = std::unique_ptr<std::remove_pointer_t<ssh_key>, KeyDeleter>;

std::string octal_mode(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

}  // namespace

Status check_identity_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return Status::error(Code::not_found, "ssh: identity file " + path +
                                                      " does not exist; make a key pair with `kdump-failover keys`");
        return Status::from_errno(errno, "ssh: identity file " + path);
    }
    if (!S_ISREG(st.st_mode)) return Status::error(Code::invalid_config, "ssh: identity file " + path + " is not a file");
    if (st.st_uid != ::geteuid())
        return Status::error(Code::auth, "ssh: identity file " + path + " is owned by uid " + std::to_string(st.st_uid) +
                                             ", not by uid " + std::to_string(::geteuid()) + " running the dump");
    if (st.st_mode & 077)
        return Status::error(Code::auth, "ssh: identity file " + path + " is accessible by group or others (mode " +
                                             octal_mode(st.st_mode) + "); a dump key must be private: chmod 600 " + path);
    return Status::ok();
}

SshConnection::SshConnection(ssh_session s, std::string label) : session_(s), label_(std::move(label)) {}

SshConnection::~SshConnection() {
    // Say goodbye, but never hang on a server that stopped reading: the watchdog bounds it.
    if (!watchdog_.fired() && ssh_is_connected(session_)) {
        ArmedScope bounded(watchdog_, fd(), Clock::now() + std::chrono::seconds(2));
        ssh_disconnect(session_);
    }
    watchdog_.disarm();
    ssh_free(session_);
}

Status SshConnection::failure(std::string_view what, Code code) const {
    if (watchdog_.fired())
        return Status::error(Code::timeout, "ssh: " + std::string(what) + ": no answer from " + label_ +
                                                " before the deadline; connection shut down")
            .with_retryable(true);
    const char* err = ssh_get_error(session_);
    return Status::error(code, "ssh: " + std::string(what) + ": " + (err && *err ? err : "failed"));
}

Result<std::unique_ptr<SshConnection>> SshConnection::connect(const SshOptions& o, const CallOptions& opts) {
    const std::string label = host_label(o);
    auto left = opts.remaining();
    if (left == Clock::duration::zero())
        return Status::error(Code::timeout, "ssh: connect timeout passed before connecting to " + label)
            .with_stage(Stage::connect);

    ssh_session s = ssh_new();
    if (!s) return Status::error(Code::system, "ssh: cannot create a libssh session (out of memory?)");
    auto c = std::make_unique<SshConnection>(s, label);

    int verbosity = SSH_LOG_NOLOG;
    bool process_config = false;  // bool*: never read ~/.ssh/config or /etc/ssh/ssh_config
    int nodelay = 1;              // int*
    unsigned port = o.port;
    long sec = 0, usec = 0;
    if (left != Clock::duration::max()) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
        sec = static_cast<long>(us / 1'000'000);
        usec = static_cast<long>(us % 1'000'000);
        if (sec == 0 && usec == 0) usec = 1;
    } else {
        sec = 24 * 3600;
    }
    const char* compression = o.compression ? "yes" : "no";
    struct Setting {
        enum ssh_options_e key;
        const void* value;
        const char* name;
    };
    const Setting settings[] = {
        {SSH_OPTIONS_LOG_VERBOSITY, &verbosity, "log verbosity"},
        {SSH_OPTIONS_PROCESS_CONFIG, &process_config, "config processing"},
        {SSH_OPTIONS_HOST, o.host.c_str(), "host"},
        {SSH_OPTIONS_PORT, &port, "port"},
        {SSH_OPTIONS_USER, o.user.c_str(), "user"},
        {SSH_OPTIONS_KNOWNHOSTS, o.known_hosts.c_str(), "known_hosts"},
        {SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "global known_hosts"},
        {SSH_OPTIONS_TIMEOUT, &sec, "timeout"},
        {SSH_OPTIONS_TIMEOUT_USEC, &usec, "timeout"},
        {SSH_OPTIONS_NODELAY, &nodelay, "nodelay"},
        {SSH_OPTIONS_COMPRESSION, compression, "compression"},
    };
    for (const Setting& st : settings)
        if (ssh_options_set(s, st.key, st.value) != SSH_OK)
            return c->failure(std::string("setting ") + st.name, Code::invalid_config).with_stage(Stage::connect);
    if (!o.ciphers.empty())
        for (auto key : {SSH_OPTIONS_CIPHERS_C_S, SSH_OPTIONS_CIPHERS_S_C})
            if (ssh_options_set(s, key, o.ciphers.c_str()) != SSH_OK)
                return c->failure("ciphers '" + o.ciphers + "'", Code::invalid_config).with_stage(Stage::connect);

    if (ssh_connect(s) != SSH_OK) {
        Status st = c->failure("connect to " + label);
        // libssh reports its own timeout as text only; the supervisor needs the code.
        if (st.message().find("Timeout") != std::string::npos || opts.expired())
            st = Status::error(Code::timeout, st.message()).with_retryable(true);
        return st.with_stage(Stage::connect);
    }
    return c;
}

Result<std::unique_ptr<SshConnection>> SshConnection::connect_only(const SshOptions& o, const CallOptions& opts) {
    return connect(o, opts);
}

Result<ServerKey> SshConnection::server_key() const {
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session_, &raw) != SSH_OK) return failure("reading the server's host key");
    UniqueKey key(raw);
    unsigned char* hash = nullptr;
    size_t hlen = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != SSH_OK)
        return failure("hashing the server's host key");
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    ssh_clean_pubkey_hash(&hash);
    ServerKey out;
    out.type = ssh_key_type_to_char(ssh_key_type(key.get()));
    out.fingerprint = fp ? fp : "?";
    ssh_string_free_char(fp);
    char* line = nullptr;
    if (ssh_session_export_known_hosts_entry(session_, &line) == SSH_OK && line) {
        out.known_hosts_line = line;
        ssh_string_free_char(line);
        while (!out.known_hosts_line.empty() &&
               (out.known_hosts_line.back() == '\n' || out.known_hosts_line.back() == '\r'))
            out.known_hosts_line.pop_back();
    }
    return out;
}

Status SshConnection::check_host_key(const SshOptions& o, const std::string& target_name) const {
    enum ssh_known_hosts_e state = known_state();
    if (state == SSH_KNOWN_HOSTS_OK) return Status::ok();
    Result<ServerKey> key = server_key();
    const std::string offered =
        key.is_ok() ? key->type + " key " + key->fingerprint : std::string("a key that cannot be read");
    const std::string trust = "check the fingerprint with the server's admin, then run `kdump-failover ssh-trust " +
                              target_name + "`";
    switch (state) {
    case SSH_KNOWN_HOSTS_CHANGED:
        return Status::error(Code::auth, "ssh: HOST KEY CHANGED: " + label_ + " offers " + offered +
                                             ", which differs from the key recorded in " + o.known_hosts +
                                             "; refusing (if the server was reinstalled, remove its old line "
                                             "and " + trust + ")");
    case SSH_KNOWN_HOSTS_OTHER:
        return Status::error(Code::auth, "ssh: host key of " + label_ + " is not trusted: it offers " + offered +
                                             " but " + o.known_hosts + " holds a key of another type for it; " + trust);
    case SSH_KNOWN_HOSTS_ERROR:
        return failure("reading known_hosts " + o.known_hosts, Code::auth);
    default:  // UNKNOWN, NOT_FOUND
        return Status::error(Code::auth, "ssh: host key of " + label_ + " is not trusted: " + offered +
                                             " is not in " + o.known_hosts + "; " + trust);
    }
}

Status SshConnection::authenticate(const SshOptions& o, const CallOptions& opts) {
    if (Status s = check_identity_file(o.identity); !s.is_ok()) return s;
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(o.identity.c_str(), nullptr, nullptr, nullptr, &raw) != SSH_OK)
        return Status::error(Code::auth, "ssh: cannot load private key " + o.identity +
                                             " (not a private key, or protected by a passphrase, which a crash "
                                             "kernel cannot type)");
    UniqueKey key(raw);
    ArmedScope bounded(watchdog_, fd(), opts.deadline);
    int rc = ssh_userauth_publickey(session_, nullptr, key.get());
    if (rc == SSH_AUTH_SUCCESS) return Status::ok();
    if (watchdog_.fired()) return failure("authenticating");
    if (rc == SSH_AUTH_ERROR) return failure("authenticating as " + o.user, Code::auth);
    return Status::error(Code::auth, "ssh: " + label_ + " refused key " + o.identity + " for user " + o.user +
                                         " (install " + o.identity + ".pub in the user's authorized_keys)");
}

Result<std::unique_ptr<SshConnection>> SshConnection::open(const SshOptions& o, const std::string& target_name,
                                                           const CallOptions& opts) {
    auto c = connect(o, opts);
    if (!c.is_ok()) return c;
    if (Status s = c.value()->check_host_key(o, target_name); !s.is_ok()) return s.with_stage(Stage::auth);
    if (Status s = c.value()->authenticate(o, opts); !s.is_ok()) return s.with_stage(Stage::auth);
    return c;
}

}  // namespace kdf::ssh
