// ssh_commands.cpp - `kdump-failover ssh-trust` and `kdump-failover keys`.
#include "ssh_commands.h"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kdf/unique_fd.h"
#include "ssh_connection.h"
#include "ssh_options.h"

namespace kdf::ssh {

namespace {

constexpr auto command_timeout = std::chrono::seconds(15);

void say(std::FILE* f, const std::string& line) { std::fprintf(f, "%s\n", line.c_str()); }

// Creates the missing directories above `file`, each 0700 (they hold keys).
Status make_parent_dirs(const std::string& file) {
    for (size_t at = file.find('/', 1); at != std::string::npos; at = file.find('/', at + 1)) {
        const std::string dir = file.substr(0, at);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::from_errno(errno, "ssh: create " + dir);
    }
    return Status::ok();
}

Status write_new_file(const std::string& path, const std::string& text, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) return Status::from_errno(errno, "ssh: create " + path);
    if (::fchmod(fd.get(), mode) != 0) return Status::from_errno(errno, "ssh: chmod " + path);  // umask aside
    if (Status s = write_full(fd.get(), text.data(), text.size(), ("ssh: write " + path).c_str()); !s.is_ok()) return s;
    if (::fsync(fd.get()) != 0) return Status::from_errno(errno, "ssh: fsync " + path);
    return fd.close(("ssh: close " + path).c_str());
}

int fail(std::FILE* err, const Status& s) {
    say(err, "kdump-failover: " + s.to_string());
    return 1;
}

int ssh_trust(const TargetConfig& target, const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    std::string expect;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--expect" && i + 1 < args.size()) expect = args[++i];
        else if (args[i].starts_with("--expect=")) expect = args[i].substr(9);
        else {
            say(err, "kdump-failover: ssh-trust: unknown argument '" + args[i] + "'");
            say(err, "usage: kdump-failover ssh-trust TARGET [--expect SHA256:...]");
            return 2;
        }
    }
    Result<SshOptions> o = parse_ssh_options(target);
    if (!o.is_ok()) return fail(err, o.status());
    CallOptions opts;
    opts.deadline = Clock::now() + command_timeout;
    auto conn = SshConnection::connect_only(o.value(), opts);
    if (!conn.is_ok()) return fail(err, conn.status());
    auto key = conn.value()->server_key();
    if (!key.is_ok()) return fail(err, key.status());
    const std::string label = conn.value()->label();
    say(out, label + " offers " + key->type + " key " + key->fingerprint);
    if (!expect.empty() && expect != key->fingerprint) {
        say(err, "kdump-failover: ssh-trust: the key's fingerprint is not the expected " + expect + "; nothing recorded");
        return 1;
    }
    switch (conn.value()->known_state()) {
    case SSH_KNOWN_HOSTS_OK:
        say(out, "already trusted in " + o->known_hosts + "; nothing to do");
        return 0;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        say(err, "kdump-failover: ssh-trust: " + o->known_hosts + " holds a different key for " + label +
                     "; refusing to add a second one. If the server really changed its key, remove the old line "
                     "(ssh-keygen -R '" + label + "' -f " + o->known_hosts + ") and run ssh-trust again");
        return 1;
    case SSH_KNOWN_HOSTS_ERROR:
        return fail(err, conn.value()->failure("reading " + o->known_hosts));
    default:
        break;
    }
    if (key->known_hosts_line.empty()) return fail(err, Status::error(Code::system, "ssh: cannot format the known_hosts line"));
    if (Status s = make_parent_dirs(o->known_hosts); !s.is_ok()) return fail(err, s);
    UniqueFd fd(::open(o->known_hosts.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return fail(err, Status::from_errno(errno, "ssh: open " + o->known_hosts));
    const std::string line = key->known_hosts_line + "\n";
    if (Status s = write_full(fd.get(), line.data(), line.size(), ("ssh: write " + o->known_hosts).c_str()); !s.is_ok())
        return fail(err, s);
    if (::fsync(fd.get()) != 0) return fail(err, Status::from_errno(errno, "ssh: fsync " + o->known_hosts));
    if (Status s = fd.close(("ssh: close " + o->known_hosts).c_str()); !s.is_ok()) return fail(err, s);
    say(out, "recorded in " + o->known_hosts);
    return 0;
}

struct KeyFree {
    void operator()(ssh_key k) const noexcept { ssh_key_free(k); }
};
struct CharFree {
    void operator()(char* p) const noexcept { ssh_string_free_char(p); }
};

int keys(const TargetConfig* target, const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    std::string file;
    bool force = false;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--file" && i + 1 < args.size()) file = args[++i];
        else if (args[i].starts_with("--file=")) file = args[i].substr(7);
        else if (args[i] == "--force") force = true;
        else {
            say(err, "kdump-failover: keys: unknown argument '" + args[i] + "'");
            say(err, "usage: kdump-failover keys [TARGET] [--file PATH] [--force]");
            return 2;
        }
    }
    std::string user = "root", host = "SERVER";
    if (target) {
        Result<SshOptions> o = parse_ssh_options(*target);
        if (!o.is_ok()) return fail(err, o.status());
        if (file.empty()) file = o->identity;
        user = o->user;
        host = o->host;
    }
    if (file.empty()) file = default_identity;
    if (file.front() != '/') {
        say(err, "kdump-failover: keys: --file must be an absolute path");
        return 2;
    }
    const std::string pub = file + ".pub";
    for (const std::string& f : {file, pub}) {
        if (::access(f.c_str(), F_OK) != 0) continue;
        if (!force) {
            say(err, "kdump-failover: keys: " + f + " exists; keeping it (use --force to replace the pair)");
            return 1;
        }
        if (::unlink(f.c_str()) != 0) return fail(err, Status::from_errno(errno, "ssh: remove " + f));
    }
    if (Status s = make_parent_dirs(file); !s.is_ok()) return fail(err, s);

    ssh_key raw = nullptr;
    if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &raw) != SSH_OK || !raw)
        return fail(err, Status::error(Code::system, "ssh: cannot generate an ed25519 key"));
    std::unique_ptr<std::remove_pointer_t<ssh_key>, KeyFree> key(raw);
    char* priv_raw = nullptr;
    if (ssh_pki_export_privkey_base64(key.get(), nullptr, nullptr, nullptr, &priv_raw) != SSH_OK || !priv_raw)
        return fail(err, Status::error(Code::system, "ssh: cannot export the private key"));
    std::unique_ptr<char, CharFree> priv(priv_raw);
    char* pub_raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &pub_raw) != SSH_OK || !pub_raw)
        return fail(err, Status::error(Code::system, "ssh: cannot export the public key"));
    std::unique_ptr<char, CharFree> pub_b64(pub_raw);

    char hostname[256] = "localhost";
    (void)::gethostname(hostname, sizeof hostname - 1);
    const std::string line =
        std::string(ssh_key_type_to_char(ssh_key_type(key.get()))) + " " + pub_b64.get() + " kdump-failover@" + hostname;
    std::string priv_text = priv.get();
    if (priv_text.empty() || priv_text.back() != '\n') priv_text += '\n';
    if (Status s = write_new_file(file, priv_text, 0600); !s.is_ok()) return fail(err, s);
    if (Status s = write_new_file(pub, line + "\n", 0644); !s.is_ok()) return fail(err, s);
    say(out, line);
    say(err, "kdump-failover: private key " + file + " (0600), public key " + pub + "; append the line above to ~" +
                 user + "/.ssh/authorized_keys on " + host);
    return 0;
}

std::vector<std::string> to_args(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) args.emplace_back(argv[i] ? argv[i] : "");
    return args;
}

}  // namespace

int run_ssh_trust(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept {
    try {
        if (!target) {
            say(err, "usage: kdump-failover ssh-trust TARGET [--expect SHA256:...]");
            return 2;
        }
        return ssh_trust(*target, to_args(argc, argv), out, err);
    } catch (const std::exception& e) {
        std::fprintf(err, "kdump-failover: ssh-trust: %s\n", e.what());
    } catch (...) {
        std::fprintf(err, "kdump-failover: ssh-trust: unexpected error\n");
    }
    return 1;
}

int run_keys(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept {
    try {
        return keys(target, to_args(argc, argv), out, err);
    } catch (const std::exception& e) {
        std::fprintf(err, "kdump-failover: keys: %s\n", e.what());
    } catch (...) {
        std::fprintf(err, "kdump-failover: keys: unexpected error\n");
    }
    return 1;
}

}  // namespace kdf::ssh
