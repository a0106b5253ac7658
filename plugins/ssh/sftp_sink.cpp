// sftp_sink.cpp - mode sftp of the `ssh` transport.
#include "sftp_sink.h"

#include <chrono>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/size_text.h"
#include "sftp_session.h"

namespace kdf::ssh {

namespace {

// ok when `dir`, which mkdir found in the way (`mkdir_error`), is a directory without a finished
// dump in it; mkdir_error when it is not a directory at all.
Status check_existing_dir(SftpChannel& ch, const std::string& dir, const Status& mkdir_error,
                          const std::string& final_name, const std::string& label, const CallOptions& opts) {
    auto existing = ch.stat(dir, opts);
    if (!existing.is_ok() || !existing.value() || !existing.value()->is_dir()) return mkdir_error;
    for (const std::string& name : finished_dump_names(final_name)) {
        auto f = ch.stat(dir + "/" + name, opts);
        if (!f.is_ok()) return f.take_status();
        if (f.value()) return dump_exists_error("ssh", label + ":" + dir, name);
    }
    return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Sink>> SftpSink::open(const SshOptions& o, const std::string& target_name, const DumpInfo& dump,
                                             const CallOptions& opts) {
    if (Status s = check_dump_names("ssh", dump); !s.is_ok()) return s;

    auto session = open_sftp_dir(o, target_name, write_window_for(o), opts, dump.host);
    if (!session.is_ok()) return session.take_status();
    SftpChannel& ch = *session->channel;

    const std::string dir = o.path + "/" + dump.dir_name;
    // EXCL: an incomplete dump an earlier attempt left is evidence, never truncated. The directory
    // and the file are asked for in one round trip; the usual case (a new directory) needs no more.
    const std::string file = dir + "/" + std::string(incomplete_dump_name);
    auto made = ch.make_dir_and_create(dir, 0700, file, sftp::fxf_write | sftp::fxf_creat | sftp::fxf_excl, 0600, opts);
    if (!made.is_ok()) return made.take_status();
    if (!made->made_dir.is_ok()) {
        // An existing directory is fine (another attempt's side files) unless it holds a dump. The
        // file was already created in it then: an empty one of ours, taken back when a finished
        // dump is there, so nothing stays next to that dump.
        Status refused = check_existing_dir(ch, dir, made->made_dir, dump.final_name, session->conn->label(), opts);
        if (!refused.is_ok()) {
            if (!made->handle.empty()) {
                CallOptions quick = cleanup_options(opts, std::chrono::seconds(5));
                if (ch.close_file(made->handle, quick).is_ok()) (void)ch.remove(file, quick);
            }
            return refused;
        }
    }
    if (made->handle.empty()) return made->open_error;
    return std::unique_ptr<Sink>(std::make_unique<SftpSink>(std::move(session->conn), std::move(session->channel), dir,
                                                            std::move(made->handle), dump.final_name));
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
    // The data, fsync and close go out together (one round trip); the rename only after all three
    // succeeded, so a side file under its final name is always whole.
    Status s = channel_->write(h.value(), 0, data, opts);
    Status finished = channel_->finish_file(h.value(), s.is_ok(), opts);
    if (s.is_ok()) s = std::move(finished);
    if (!s.is_ok()) return explain_write_failure(std::move(s));
    return channel_->rename(temp, final_path, opts);
}

Status SftpSink::do_commit(const CallOptions& opts) {
    // From here on the file is closed whatever happens; a failure leaves it as vmcore-incomplete.
    // The fsync and close follow the last writes without waiting for them (one round trip for
    // all); the rename waits for every answer, so a dump under its final name is whole and synced.
    handle_open_ = false;
    if (Status s = channel_->finish_file(handle_, true, opts); !s.is_ok()) return explain_write_failure(std::move(s));
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
