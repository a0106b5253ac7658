// sftp_sink.cpp - mode sftp of the `ssh` transport.
#include "sftp_sink.h"

#include <chrono>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/size_text.h"
#include "sftp_session.h"

namespace kdf::ssh {

Result<std::unique_ptr<Sink>> SftpSink::open(const SshOptions& o, const std::string& target_name, const DumpInfo& dump,
                                             const CallOptions& opts) {
    if (Status s = check_dump_names("ssh", dump); !s.is_ok()) return s;

    auto session = open_sftp_dir(o, target_name, o.requests_in_flight, opts);
    if (!session.is_ok()) return session.take_status();
    SftpChannel& ch = *session->channel;

    const std::string dir = o.path + "/" + dump.dir_name;
    if (Status made = ch.mkdir(dir, 0700, opts); !made.is_ok()) {
        // An existing directory is fine (another attempt's side files) unless it holds a dump.
        auto existing = ch.stat(dir, opts);
        if (!existing.is_ok() || !existing.value() || !existing.value()->is_dir()) return made;
        for (const std::string& name : finished_dump_names(dump.final_name)) {
            auto f = ch.stat(dir + "/" + name, opts);
            if (!f.is_ok()) return f.take_status();
            if (f.value()) return dump_exists_error("ssh", session->conn->label() + ":" + dir, name);
        }
    }
    // EXCL: an incomplete dump an earlier attempt left is evidence, never truncated.
    const std::string file = dir + "/" + std::string(incomplete_dump_name);
    auto handle = ch.open_file(file, sftp::fxf_write | sftp::fxf_creat | sftp::fxf_excl, 0600, opts);
    if (!handle.is_ok()) return handle.take_status();
    return std::unique_ptr<Sink>(std::make_unique<SftpSink>(std::move(session->conn), std::move(session->channel), dir,
                                                            std::move(handle).value(), dump.final_name));
}

SftpSink::SftpSink(std::unique_ptr<SshConnection> conn, std::unique_ptr<SftpChannel> channel, std::string dir,
                   std::string handle, std::string final_name)
    : SinkBase("ssh", std::move(final_name), conn->label() + ":" + dir + "/" + std::string(incomplete_dump_name)),
      conn_(std::move(conn)),
      channel_(std::move(channel)),
      dir_(std::move(dir)),
      handle_(std::move(handle)) {}

SftpSink::~SftpSink() { abort_if_writing(std::chrono::seconds(5)); }

Status SftpSink::explain_write_failure(Status s) {
    if (s.code() != Code::system || conn_->watchdog().fired() || s.message().find(": failure") == std::string::npos)
        return s;
    CallOptions quick;
    quick.deadline = Clock::now() + std::chrono::seconds(3);
    auto fs = channel_->statvfs(dir_, quick);
    // Below one write's worth of space left: that is what the generic failure was.
    if (fs.is_ok() && fs->free_bytes() < 4 * sftp::max_write_data)
        return Status::from_errno(ENOSPC, s.message() + "; the remote filesystem is full (" +
                                              size_text(fs->free_bytes()) + " free)");
    return s;
}

Status SftpSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    Status s = channel_->write(handle_, offset, data, opts);
    return s.is_ok() ? s : explain_write_failure(std::move(s));
}

Status SftpSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    const std::string final_path = dir_ + "/" + std::string(name);
    const std::string temp = dir_ + "/." + std::string(name) + ".part";
    auto h = channel_->open_file(temp, sftp::fxf_write | sftp::fxf_creat | sftp::fxf_trunc, 0600, opts);
    if (!h.is_ok()) return h.take_status();
    Status s = channel_->write(h.value(), 0, data, opts);
    if (s.is_ok()) s = channel_->drain(h.value(), opts);
    if (s.is_ok() && channel_->has_extension("fsync@openssh.com")) s = channel_->fsync(h.value(), opts);
    Status closed = channel_->close_file(h.value(), opts);
    if (!s.is_ok()) return explain_write_failure(std::move(s));
    if (!closed.is_ok()) return closed;
    return channel_->rename(temp, final_path, opts);
}

Status SftpSink::do_commit(const CallOptions& opts) {
    // From here on the file is closed whatever happens; a failure leaves it as vmcore-incomplete.
    handle_open_ = false;
    Status s = channel_->drain(handle_, opts);
    if (!s.is_ok()) s = explain_write_failure(std::move(s));
    if (s.is_ok() && channel_->has_extension("fsync@openssh.com")) s = channel_->fsync(handle_, opts);
    Status closed = channel_->close_file(handle_, s.is_ok() ? opts : cleanup_options(opts, std::chrono::seconds(5)));
    if (!s.is_ok()) return s;
    if (!closed.is_ok()) return closed;
    const std::string final_path = dir_ + "/" + final_name();
    if (Status r = channel_->rename(dir_ + "/" + std::string(incomplete_dump_name), final_path, opts); !r.is_ok())
        return r;
    set_location(conn_->label() + ":" + final_path);
    return Status::ok();
}

Status SftpSink::do_abort(const CallOptions& opts) {
    if (!handle_open_) return Status::ok();  // a commit that failed after closing the file: nothing to stop
    handle_open_ = false;
    if (conn_->watchdog().fired()) return Status::ok();  // the connection is gone; the file stays as it is
    // Closing drains the writes in flight first, so what reached the server is all in the file.
    return channel_->close_file(handle_, cleanup_options(opts, std::chrono::seconds(5)));
}

}  // namespace kdf::ssh
