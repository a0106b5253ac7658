// ssh_transport.cpp - describe/check/probe/open of the `ssh` transport.
#include "ssh_transport.h"

#include <unistd.h>

#include "kdf/call_helpers.h"
#include "kdf/guard.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"
#include "remote_command.h"
#include "sftp_channel.h"
#include "sftp_session.h"
#include "sftp_sink.h"
#include "ssh_connection.h"
#include "ssh_options.h"
#include "stream_sink.h"

namespace kdf::ssh {

namespace {

Result<ProbeReport> probe_sftp(const SshOptions& o, const std::string& target, const CallOptions& opts) {
    auto session = open_sftp_dir(o, target, WriteWindow::fixed(1), opts);
    if (!session.is_ok()) return session.take_status();
    SftpChannel& ch = *session->channel;
    const std::string& where = session->where;
    const std::string probe_file = o.path + "/.kdump-failover-probe." + std::to_string(::getpid());
    auto h = ch.open_file(probe_file, sftp::fxf_write | sftp::fxf_creat | sftp::fxf_excl, 0600, opts);
    if (!h.is_ok()) return h.take_status().with_context("ssh: " + where + " is not writable");
    if (Status s = ch.close_file(h.value(), opts); !s.is_ok()) return s;
    if (Status s = ch.remove(probe_file, opts); !s.is_ok()) return s;

    ProbeReport r;
    r.summary = "writable";
    if (session->free_bytes) {
        r.free_bytes = *session->free_bytes;
        r.free_known = true;
        r.summary += ", " + size_text(r.free_bytes) + " free";
    } else {
        r.summary += ", free space unknown (no statvfs@openssh.com)";
    }
    r.summary += " at " + where + " (sftp" +
                 std::string(ch.has_extension("fsync@openssh.com") ? ", fsync@openssh.com" : ", no fsync extension") + ")";
    return r;
}

Result<ProbeReport> probe_stream(const SshOptions& o, const std::string& target, const CallOptions& opts) {
    auto conn = SshConnection::open(o, target, opts);
    if (!conn.is_ok()) return conn.take_status();
    const std::string where = conn.value()->label() + ":" + o.path;
    const std::string script = "cd -- " + shell_quote(o.path) + " 2>/dev/null || exit 3; f=.kdump-failover-probe.$$; " +
                               "( umask 077; : > \"$f\" ) || exit 4; rm -f -- \"$f\"; "
                               "df -Pk . 2>/dev/null | awk 'NR==2 {print $4}'; exit 0";
    auto r = run_remote(*conn.value(), script, {}, opts);
    if (!r.is_ok()) return r.take_status();
    if (r->exit_status == 3)
        return remote_path_missing(where);
    if (r->exit_status != 0)
        return Status::error(Code::system, "ssh: " + where + " is not writable" + (r->err.empty() ? "" : ": " + r->err));
    ProbeReport p;
    p.summary = "writable";
    if (auto kib = parse_integer(r->out); kib && *kib >= 0) {
        p.free_bytes = static_cast<uint64_t>(*kib) * 1024;
        p.free_known = true;
        if (Status s = check_reserve("ssh", p.free_bytes, o.reserve, where); !s.is_ok()) return s;
        p.summary += ", " + size_text(p.free_bytes) + " free";
    }
    p.summary += " at " + where + " (stream)";
    return p;
}

}  // namespace

SshTransport::SshTransport() {
    description_.name = "ssh";
    description_.version = "0.1.0";
    description_.summary = "dump to a server over SSH: SFTP in place (strict host keys, key login), or a stream into a shell command";
    description_.caps = TransportCap::positional_write | TransportCap::atomic_commit | TransportCap::needs_network;
    description_.ops = static_cast<uint32_t>(SinkOp::write_at);
    description_.options = ssh_option_specs();
}

Status SshTransport::check(const TargetConfig& target) const noexcept {
    return guarded("ssh", [&]() -> Status {
        Result<SshOptions> o = parse_ssh_options(target);
        return o.is_ok() ? Status::ok() : o.take_status();
    });
}

uint32_t SshTransport::capabilities(const TargetConfig& target) const noexcept {
    // A stream target (or one whose options do not parse) cannot write in place.
    return narrowed_caps(description_.caps, TransportCap::positional_write, [&] {
        Result<SshOptions> o = parse_ssh_options(target);
        return o.is_ok() && o->mode == Mode::sftp;
    });
}

Result<CrashKernelNeeds> SshTransport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("ssh", [&]() -> Result<CrashKernelNeeds> {
        Result<SshOptions> o = parse_ssh_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        needs.files.push_back({"identity", o->identity,
                               "`kdump-failover keys` creates it (then install its .pub on the server)"});
        needs.files.push_back({"known_hosts", o->known_hosts,
                               "`kdump-failover ssh-trust " + target.name + "` records the server's host key in it"});
        needs.hosts.push_back(o->host);
        return needs;
    });
}

Result<ProbeReport> SshTransport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("ssh", [&]() -> Result<ProbeReport> {
        Result<SshOptions> o = parse_ssh_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<ProbeReport> r = o->mode == Mode::sftp ? probe_sftp(o.value(), target.name, opts)
                                                      : probe_stream(o.value(), target.name, opts);
        if (!r.is_ok()) return with_call_stage(r.take_status(), opts, Stage::probe);
        return r;
    });
}

Result<std::unique_ptr<Sink>> SshTransport::open(const TargetConfig& target, const DumpInfo& dump,
                                                 const CallOptions& opts) noexcept {
    return guarded("ssh", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<SshOptions> o = parse_ssh_options(target);
        if (!o.is_ok()) return o.take_status();
        if (o->mode == Mode::stream && dump.format != "flat")
            return Status::error(Code::invalid_config,
                                 "ssh: mode = stream sends makedumpfile's flattened format, but this dump is '" +
                                     dump.format + "'; set format = flat in [target " + target.name + "]")
                .with_stage(Stage::config);
        Result<std::unique_ptr<Sink>> sink = o->mode == Mode::sftp ? SftpSink::open(o.value(), target.name, dump, opts)
                                                                   : StreamSink::open(o.value(), target.name, dump, opts);
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

}  // namespace kdf::ssh
