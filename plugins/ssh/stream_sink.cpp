// stream_sink.cpp - mode stream of the `ssh` transport.
#include "stream_sink.h"

#include <chrono>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"

namespace kdf::ssh {

namespace {

// Exit status the prepare script uses for "already holds a dump".
constexpr int exit_dump_exists = 17;
constexpr int exit_no_path = 3;

// Clean-up after a failure gets this long at most (kdf::cleanup_options).
constexpr std::chrono::seconds cleanup_bound{5};

Status remote_error(const std::string& what, const CommandResult& r) {
    std::string msg = "ssh: " + what + " failed (exit status " + std::to_string(r.exit_status) + ")";
    if (!r.err.empty()) msg += ": " + r.err;
    if (r.err.find("No space left") != std::string::npos) return Status::from_errno(ENOSPC, msg);
    return Status::error(Code::system, msg);
}

}  // namespace

std::string stream_prepare_script(const std::string& path, const std::string& dir_name, const std::string& final_name) {
    const std::string p = shell_quote(path), d = shell_quote(dir_name);
    std::string s;
    s += "cd -- " + p + " 2>/dev/null || { echo " + shell_quote("remote directory " + path + " does not exist") +
         " >&2; exit " + std::to_string(exit_no_path) + "; }; ";
    s += "[ -d " + d + " ] || mkdir -m 700 -- " + d + " || exit 4; ";
    s += "for f in " + shell_quote(final_name) + " vmcore vmcore-incomplete; do [ -e " + d +
         "/\"$f\" ] && { printf '%s already holds %s; refusing to write over it\\n' " +
         shell_quote(path + "/" + dir_name) + " \"$f\" >&2; exit " + std::to_string(exit_dump_exists) + "; }; done; ";
    s += "df -Pk . 2>/dev/null | awk 'NR==2 {print $4}'; exit 0";
    return s;
}

Result<std::unique_ptr<Sink>> StreamSink::open(const SshOptions& o, const std::string& target_name,
                                               const DumpInfo& dump, const CallOptions& opts) {
    if (Status s = check_dump_names("ssh", dump); !s.is_ok()) return s;
    auto conn = SshConnection::open(o, target_name, opts);
    if (!conn.is_ok()) return conn.take_status();
    auto prepared = run_remote(*conn.value(), stream_prepare_script(o.path, dump.dir_name, dump.final_name), {}, opts);
    if (!prepared.is_ok()) return prepared.take_status();
    const CommandResult& r = prepared.value();
    const std::string where = conn.value()->label() + ":" + o.path;
    if (r.exit_status == exit_no_path)
        return remote_path_missing(where);
    if (r.exit_status == exit_dump_exists) return Status::from_errno(EEXIST, "ssh: " + r.err);
    if (r.exit_status != 0) return remote_error("preparing " + where + "/" + dump.dir_name, r);
    if (auto kib = parse_integer(r.out); kib && *kib >= 0) {
        const uint64_t free = static_cast<uint64_t>(*kib) * 1024;
        if (Status s = check_reserve("ssh", free, o.reserve, where); !s.is_ok()) return s;
    }
    const std::string dir = o.path + "/" + dump.dir_name;
    std::string command = o.stream_command;
    const std::string file = shell_quote(dir + "/" + std::string(incomplete_dump_name));
    for (size_t at = command.find("{file}"); at != std::string::npos; at = command.find("{file}", at + file.size()))
        command.replace(at, 6, file);
    return std::unique_ptr<Sink>(
        std::make_unique<StreamSink>(std::move(conn).value(), dir, dump.final_name, "umask 077; set -C; " + command));
}

StreamSink::StreamSink(std::unique_ptr<SshConnection> conn, std::string dir, std::string final_name, std::string command)
    : SinkBase("ssh", std::move(final_name), conn->label() + ":" + dir + "/" + std::string(incomplete_dump_name)),
      conn_(std::move(conn)),
      dir_(std::move(dir)),
      command_text_(std::move(command)) {}

StreamSink::~StreamSink() { abort_if_writing(cleanup_bound); }

Status StreamSink::command_failure(Status s, const CallOptions& opts) {
    if (!command_ || conn_->watchdog().fired()) return s;
    // The command probably exited: its stderr says why better than "channel closed".
    auto r = command_->finish(cleanup_options(opts, cleanup_bound));
    command_.reset();
    if (r.is_ok() && r->exit_status != 0) return remote_error("`" + command_text_ + "` on " + conn_->label(), r.value());
    return s;
}

Status StreamSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    if (offset != next_offset_)
        return Status::error(Code::invalid_config,
                             "ssh: mode stream takes the dump front to back (format = flat), but got a write at offset " +
                                 std::to_string(offset) + " where " + std::to_string(next_offset_) + " was next");
    if (!command_) {
        auto started = RemoteCommand::start(*conn_, command_text_, opts);
        if (!started.is_ok()) return started.take_status();
        command_ = std::move(started).value();
    }
    if (Status s = command_->write(data, opts); !s.is_ok()) return command_failure(std::move(s), opts);
    next_offset_ += data.size();
    return Status::ok();
}

Status StreamSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    const std::string final_path = shell_quote(dir_ + "/" + std::string(name));
    const std::string temp = shell_quote(dir_ + "/." + std::string(name) + ".part");
    const std::string script = "umask 077; cat > " + temp + " && mv -f -- " + temp + " " + final_path;
    auto r = run_remote(*conn_, script, data, opts);
    if (!r.is_ok()) return r.take_status();
    if (r->exit_status != 0) return remote_error("writing " + dir_ + "/" + std::string(name), r.value());
    return Status::ok();
}

Status StreamSink::do_commit(const CallOptions& opts) {
    // Whatever happens next, vmcore-incomplete stays until the rename, and command_ ends up null, so
    // an abort() after a failed commit has nothing left to stop.
    if (!command_) {  // an empty dump still gets its file
        auto started = RemoteCommand::start(*conn_, command_text_, opts);
        if (!started.is_ok()) return started.take_status();
        command_ = std::move(started).value();
    }
    auto done = command_->finish(opts);
    command_.reset();
    if (!done.is_ok()) return done.take_status();
    if (done->exit_status != 0) return remote_error("`" + command_text_ + "` on " + conn_->label(), done.value());
    const std::string d = shell_quote(dir_), f = shell_quote(final_name());
    // sync FILE fsyncs it (coreutils >= 8.24); an older sync syncs everything, which is also fine.
    const std::string incomplete(incomplete_dump_name);
    const std::string script = "cd -- " + d + " || exit 3; { sync -- " + incomplete + " 2>/dev/null || sync; }; " +
                               "[ -e " + f + " ] && { echo " + f + " exists >&2; exit 17; }; mv -n -- " + incomplete +
                               " " + f + " || exit 5; [ -e " + incomplete + " ] && { echo " + f +
                               " appeared while renaming >&2; exit 17; }; sync -- . 2>/dev/null; exit 0";
    auto renamed = run_remote(*conn_, script, {}, opts);
    if (!renamed.is_ok()) return renamed.take_status();
    if (renamed->exit_status != 0)
        return remote_error("renaming " + location() + " to " + final_name(), renamed.value());
    set_location(conn_->label() + ":" + dir_ + "/" + final_name());
    return Status::ok();
}

Status StreamSink::do_abort(const CallOptions& opts) {
    if (!command_ || conn_->watchdog().fired()) return Status::ok();
    auto r = command_->finish(cleanup_options(opts, cleanup_bound));
    command_.reset();
    return r.is_ok() ? Status::ok() : r.take_status();
}

}  // namespace kdf::ssh
