// ssh_options.cpp - option table and cross-field rules of the `ssh` transport.
#include "ssh_options.h"

#include "kdf/target_options.h"

namespace kdf::ssh {

std::vector<OptionSpec> ssh_option_specs() {
    std::vector<OptionSpec> specs = {
        {"host", OptionType::string, true, "", "server name or address", ""},
        {"port", OptionType::integer, false, "22", "server port", ""},
        {"user", OptionType::string, false, "root", "remote user (key authentication only)", ""},
        {"identity", OptionType::path, false, default_identity,
         "private key file (no passphrase, mode 0600); `kdump-failover keys` makes one", ""},
        {"known_hosts", OptionType::path, false, default_known_hosts,
         "the host keys trusted for this target; `kdump-failover ssh-trust TARGET` adds one", ""},
        {"path", OptionType::path, true, "", "existing remote directory the dated dump directory is created in", ""},
        {"mode", OptionType::choice, false, "sftp",
         "sftp: the dump file written in place; stream: a shell command receives the flattened dump (needs format = flat)",
         "sftp|stream"},
        {"compression", OptionType::boolean, false, "no", "SSH compression (the dump is compressed already)", ""},
        {"ciphers", OptionType::string, false, "", "cipher list, e.g. aes128-gcm@openssh.com (default: libssh's)", ""},
        {"requests_in_flight", OptionType::string, false, "auto",
         "sftp: write requests sent ahead of their answers: auto (grown from 4 while the rate rises, at most 16 MiB "
         "in flight) or 1..64 (1 = one at a time)",
         ""},
        {"reserve", OptionType::size, false, "64M",
         "do not start when the remote filesystem reports less free space than this", ""},
        {"stream_command", OptionType::string, false, "cat > {file}",
         "stream: remote command reading the dump on stdin; {file} is the quoted vmcore-incomplete path", ""},
    };
    for (OptionSpec& spec : retention_option_specs()) {
        spec.help = "mode sftp: " + spec.help;
        specs.push_back(std::move(spec));
    }
    return specs;
}

Result<SshOptions> parse_ssh_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = ssh_option_specs();
    auto get = [&](const char* key) { return option_value(target, specs, key); };
    SshOptions o;

    o.host = get("host");
    if (o.host.empty()) return option_error(target, "ssh", "host", "host is required");
    if (o.host.find_first_of(" \t/") != std::string::npos)
        return option_error(target, "ssh", "host", "host '" + o.host + "' is not a host name or address");

    auto port = parse_integer(get("port"));
    if (!port || *port < 1 || *port > 65535) return option_error(target, "ssh", "port", "port must be 1..65535");
    o.port = static_cast<unsigned>(*port);

    o.user = get("user");
    if (o.user.empty()) return option_error(target, "ssh", "user", "user must not be empty");

    for (auto [key, out] : {std::pair{"identity", &o.identity}, std::pair{"known_hosts", &o.known_hosts},
                            std::pair{"path", &o.path}}) {
        *out = get(key);
        if (out->empty() || out->front() != '/')
            return option_error(target, "ssh", key, std::string(key) + " '" + *out + "' must be an absolute path");
        if (out->find("/../") != std::string::npos || out->ends_with("/.."))
            return option_error(target, "ssh", key, std::string(key) + " '" + *out + "' must not contain '..'");
    }
    while (o.path.size() > 1 && o.path.back() == '/') o.path.pop_back();

    o.mode = get("mode") == "stream" ? Mode::stream : Mode::sftp;
    auto compression = parse_bool(get("compression"));
    if (!compression) return option_error(target, "ssh", "compression", "compression must be yes or no");
    o.compression = *compression;
    o.ciphers = get("ciphers");

    if (const std::string depth_text = get("requests_in_flight"); depth_text == "auto") {
        o.requests_in_flight = 0;
    } else {
        auto depth = parse_integer(depth_text);
        if (!depth || *depth < 1 || *depth > 64)
            return option_error(target, "ssh", "requests_in_flight", "requests_in_flight must be auto or 1..64");
        o.requests_in_flight = static_cast<unsigned>(*depth);
    }

    auto reserve = parse_size(get("reserve"));
    if (!reserve) return option_error(target, "ssh", "reserve", "reserve must be a size such as 64M");
    o.reserve = *reserve;

    Result<RetentionPolicy> retention = parse_retention(target, "ssh");
    if (!retention.is_ok()) return retention.take_status();
    o.retention = retention.value();

    o.stream_command = get("stream_command");
    if (o.mode == Mode::stream && o.stream_command.find("{file}") == std::string::npos)
        return option_error(target, "ssh", "stream_command", "stream_command must contain {file} (where the dump goes)");
    // A stream target is a shell command: what it does with old files is not ours to know.
    if (o.mode == Mode::stream && o.retention.active())
        return option_error(target, "ssh", o.retention.keep != 0 ? "keep" : "min_free",
                            "keep/min_free need mode sftp (a stream target is a remote command)");
    return o;
}

std::string host_label(const SshOptions& o) {
    if (o.port == 22) return o.host;
    return "[" + o.host + "]:" + std::to_string(o.port);
}

Status remote_path_missing(const std::string& where) {
    return Status::from_errno(ENOENT, "ssh: remote directory " + where +
                                          " does not exist; it is never created, so that an unmounted mount point "
                                          "never turns into a directory on the server's root filesystem");
}

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

}  // namespace kdf::ssh
