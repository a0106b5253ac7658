// sftp_channel.cpp - SFTP v3 over a libssh channel, writes pipelined.
#include "sftp_channel.h"

#include <algorithm>
#include <cerrno>

namespace kdf::ssh {

namespace {

constexpr uint32_t sftp_version = 3;
constexpr int read_slice_ms = 500;  // a read wakes this often to look at the deadline
constexpr size_t write_overhead = 64;  // WRITE packet bytes besides the data (header, handle)

std::string offset_text(uint64_t offset) { return std::to_string(offset); }

}  // namespace

Result<std::unique_ptr<SftpChannel>> SftpChannel::open(SshConnection& conn, WriteWindow window, const CallOptions& opts) {
    ArmedScope bounded(conn.watchdog(), conn.fd(), opts.deadline);
    ssh_channel ch = ssh_channel_new(conn.session());
    if (!ch) return conn.failure("creating a channel");
    auto c = std::make_unique<SftpChannel>(conn, ch, window);
    if (ssh_channel_open_session(ch) != SSH_OK) return conn.failure("opening a session channel");
    if (ssh_channel_request_subsystem(ch, "sftp") != SSH_OK)
        return conn.failure("starting the sftp subsystem (is `Subsystem sftp` configured on the server?)");

    sftp::PacketWriter init(sftp::fxp_init);
    init.u32(sftp_version);
    if (Status s = c->send(init, "sending SFTP INIT"); !s.is_ok()) return s;
    Result<Answer> version = c->read_answer(opts, "SFTP VERSION");
    if (!version.is_ok()) return version.take_status();
    if (version->type != sftp::fxp_version)
        return Status::error(Code::corrupt, "ssh: the sftp subsystem answered INIT with packet type " +
                                                std::to_string(version->type));
    // The VERSION packet has no request id: what read_answer() took for one is the version.
    if (version->id < sftp_version)
        return Status::error(Code::not_supported, "ssh: the server speaks SFTP version " + std::to_string(version->id) +
                                                      "; version 3 is needed");
    sftp::PacketReader ext(version->body);
    while (ext.left() > 0) {
        auto name = ext.string();
        auto data = ext.string();
        if (!name || !data) break;
        c->extensions_.insert(*name);
    }
    return c;
}

SftpChannel::SftpChannel(SshConnection& conn, ssh_channel channel, WriteWindow window)
    : conn_(conn), channel_(channel), window_(window) {}

SftpChannel::~SftpChannel() {
    if (!conn_.watchdog().fired() && ssh_channel_is_open(channel_)) {
        ArmedScope bounded(conn_.watchdog(), conn_.fd(), Clock::now() + std::chrono::seconds(2));
        ssh_channel_close(channel_);
    }
    ssh_channel_free(channel_);
}

Status SftpChannel::send(sftp::PacketWriter& packet, std::string_view what) {
    std::span<const std::byte> bytes = packet.bytes();
    size_t done = 0;
    while (done < bytes.size()) {
        const uint32_t n = static_cast<uint32_t>(std::min<size_t>(bytes.size() - done, 1u << 20));
        int rc = ssh_channel_write(channel_, bytes.data() + done, n);
        if (rc < 0) return conn_.failure(what);
        done += static_cast<size_t>(rc);
    }
    return Status::ok();
}

Status SftpChannel::read_exact(std::byte* out, size_t size, const CallOptions& opts, std::string_view what) {
    size_t got = 0;
    while (got < size) {
        if (opts.expired())
            return Status::error(Code::timeout, "ssh: " + std::string(what) + ": no answer from " + conn_.label() +
                                                    " before the deadline")
                .with_retryable(true);
        const int slice = std::min(opts.remaining_ms(), read_slice_ms);
        int n = ssh_channel_read_timeout(channel_, out + got, static_cast<uint32_t>(size - got), 0, std::max(slice, 1));
        if (n < 0) return conn_.failure(what);
        if (n == 0 && (ssh_channel_is_eof(channel_) || !ssh_channel_is_open(channel_)))
            return conn_.watchdog().fired()
                       ? conn_.failure(what)
                       : Status::error(Code::system, "ssh: " + std::string(what) + ": " + conn_.label() +
                                                         " closed the SFTP channel");
        got += static_cast<size_t>(n);
    }
    return Status::ok();
}

Result<SftpChannel::Answer> SftpChannel::read_answer(const CallOptions& opts, std::string_view what) {
    std::byte head[9];  // length, type, id
    if (Status s = read_exact(head, sizeof head, opts, what); !s.is_ok()) return s;
    sftp::PacketReader r(head);
    const uint32_t len = *r.u32();
    Answer a;
    a.type = *r.u8();
    a.id = *r.u32();
    if (len < 5 || len > sftp::max_answer)
        return Status::error(Code::corrupt, "ssh: " + std::string(what) + ": malformed SFTP answer (length " +
                                                std::to_string(len) + ")");
    a.body.resize(len - 5);
    if (Status s = read_exact(a.body.data(), a.body.size(), opts, what); !s.is_ok()) return s;
    return a;
}

Status SftpChannel::status_error(uint32_t code, const std::string& server_text, const std::string& what) const {
    std::string msg = "ssh: " + what + ": " + sftp::status_text(code);
    if (!server_text.empty() && lower(server_text) != sftp::status_text(code)) msg += " (server: " + server_text + ")";
    switch (code) {
    case sftp::fx_no_such_file: return Status::error(Code::not_found, msg).with_errno(ENOENT);
    case sftp::fx_permission_denied: return Status::error(Code::system, msg).with_errno(EACCES);
    case sftp::fx_op_unsupported: return Status::error(Code::not_supported, msg);
    case sftp::fx_no_connection:
    case sftp::fx_connection_lost: return Status::error(Code::system, msg).with_retryable(true);
    default: return Status::error(Code::system, msg);
    }
}

Status SftpChannel::settle_one(const CallOptions& opts) {
    Result<Answer> a = read_answer(opts, "waiting for a write to be acknowledged");
    if (!a.is_ok()) return a.take_status();
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.id == a->id; });
    if (it != pending_.end() && !it->is_write) {
        window_.on_round_trip(Clock::now() - it->sent);
        pending_.erase(it);
        const uint32_t id = a->id;
        answered_[id] = std::move(a).value();
        return Status::ok();
    }
    if (it == pending_.end() || a->type != sftp::fxp_status)
        return Status::error(Code::corrupt, "ssh: unexpected SFTP answer (type " + std::to_string(a->type) + ", id " +
                                                std::to_string(a->id) + ") while writing");
    Pending w = *it;
    pending_.erase(it);
    sftp::PacketReader r(a->body);
    auto code = r.u32();
    auto text = r.string();
    if (!code) return Status::error(Code::corrupt, "ssh: malformed SFTP status answer");
    if (*code != sftp::fx_ok) {
        auto path = handle_paths_.find(w.handle);
        const std::string where = path == handle_paths_.end() ? std::string("the file") : path->second;
        // Recorded, not returned: the channel itself is fine, and later requests (close, statvfs)
        // must still work; write() and drain() report it.
        if (!write_errors_.contains(w.handle))
            write_errors_[w.handle] = status_error(*code, text.value_or(""), "write of " + std::to_string(w.size) +
                                                                      " bytes at offset " + offset_text(w.offset) + " of " + where);
        return Status::ok();
    }
    acknowledged_ += w.size;
    window_.on_acknowledged(w.size, Clock::now());
    opts.report_progress(acknowledged_);
    return Status::ok();
}

Status SftpChannel::write(const std::string& handle, uint64_t offset, std::span<const std::byte> data,
                          const CallOptions& opts) {
    if (auto failed = write_errors_.find(handle); failed != write_errors_.end()) return failed->second;
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    while (!data.empty()) {
        const size_t n = std::min(data.size(), sftp::max_write_data);
        // Stay inside the server's channel window as well: past it, libssh's blocking wait for a
        // WINDOW_ADJUST is much slower than reading an answer (which processes the adjust too).
        while (!pending_.empty() &&
               (pending_.size() >= window_.depth() || ssh_channel_window_size(channel_) < n + write_overhead)) {
            if (pending_.size() >= window_.depth()) window_.on_full();
            if (Status s = settle_one(opts); !s.is_ok()) return s;
        }
        if (auto failed = write_errors_.find(handle); failed != write_errors_.end()) return failed->second;
        const uint32_t id = next_id();
        sftp::PacketWriter p(sftp::fxp_write);
        p.u32(id).string(handle).u64(offset).string(data.first(n));
        if (Status s = send(p, "sending a write at offset " + offset_text(offset)); !s.is_ok()) return s;
        pending_.push_back({id, true, offset, static_cast<uint32_t>(n), handle, Clock::now()});
        window_.on_sent(Clock::now());
        offset += n;
        data = data.subspan(n);
    }
    return Status::ok();
}

Status SftpChannel::settle_all(const CallOptions& opts) {
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    while (!pending_.empty())
        if (Status s = settle_one(opts); !s.is_ok()) return s;
    return Status::ok();
}

Status SftpChannel::drain(const std::string& handle, const CallOptions& opts) {
    if (Status s = settle_all(opts); !s.is_ok()) return s;
    auto failed = write_errors_.find(handle);
    return failed == write_errors_.end() ? Status::ok() : failed->second;
}

Status SftpChannel::submit(sftp::PacketWriter& packet, uint32_t id, std::string_view what) {
    if (Status s = send(packet, what); !s.is_ok()) return s;
    pending_.push_back({id, false, 0, 0, {}, Clock::now()});
    return Status::ok();
}

Result<SftpChannel::Answer> SftpChannel::take_answer(uint32_t id, const CallOptions& opts, std::string_view what) {
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    for (;;) {
        if (auto done = answered_.find(id); done != answered_.end()) {
            Answer a = std::move(done->second);
            answered_.erase(done);
            return a;
        }
        if (std::none_of(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.id == id; }))
            return Status::error(Code::corrupt, "ssh: " + std::string(what) + ": no SFTP request " +
                                                    std::to_string(id) + " is waiting for an answer");
        if (Status s = settle_one(opts); !s.is_ok()) return s;
    }
}

Result<SftpChannel::Answer> SftpChannel::call(sftp::PacketWriter& packet, uint32_t id, const CallOptions& opts,
                                              std::string_view what) {
    if (Status s = settle_all(opts); !s.is_ok()) return s;
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    if (Status s = submit(packet, id, what); !s.is_ok()) return s;
    return take_answer(id, opts, what);
}

Status SftpChannel::status_of(const Answer& a, const std::string& what) const {
    if (a.type != sftp::fxp_status)
        return Status::error(Code::corrupt, "ssh: " + what + ": unexpected SFTP answer type " + std::to_string(a.type));
    sftp::PacketReader r(a.body);
    auto code = r.u32();
    if (!code) return Status::error(Code::corrupt, "ssh: " + what + ": malformed SFTP status");
    return *code == sftp::fx_ok ? Status::ok() : status_error(*code, r.string().value_or(""), what);
}

Status SftpChannel::expect_status(sftp::PacketWriter& packet, uint32_t id, const CallOptions& opts,
                                  const std::string& what) {
    Result<Answer> a = call(packet, id, opts, what);
    if (!a.is_ok()) return a.take_status();
    return status_of(a.value(), what);
}

std::string SftpChannel::handle_name(const std::string& handle) const {
    auto path = handle_paths_.find(handle);
    return path == handle_paths_.end() ? std::string("file") : path->second;
}

Status SftpChannel::mkdir(const std::string& path, uint32_t mode, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_mkdir);
    p.u32(id).string(path).permissions(mode);
    return expect_status(p, id, opts, "create directory " + path);
}

sftp::PacketWriter SftpChannel::stat_request(uint32_t id, const std::string& path) const {
    sftp::PacketWriter p(sftp::fxp_stat);
    p.u32(id).string(path);
    return p;
}

Result<std::optional<sftp::Attributes>> SftpChannel::stat(const std::string& path, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p = stat_request(id, path);
    const std::string what = "stat " + path;
    Result<Answer> a = call(p, id, opts, what);
    if (!a.is_ok()) return a.take_status();
    return stat_answer(a.value(), what);
}

Result<std::optional<sftp::Attributes>> SftpChannel::stat_answer(const Answer& a, const std::string& what) const {
    sftp::PacketReader r(a.body);
    if (a.type == sftp::fxp_attrs) {
        auto attrs = sftp::read_attributes(r);
        if (!attrs) return Status::error(Code::corrupt, "ssh: " + what + ": malformed SFTP attributes");
        return std::optional<sftp::Attributes>(*attrs);
    }
    if (a.type != sftp::fxp_status) return Status::error(Code::corrupt, "ssh: " + what + ": unexpected SFTP answer");
    auto code = r.u32();
    if (code && *code == sftp::fx_no_such_file) return std::optional<sftp::Attributes>();
    return status_error(code.value_or(sftp::fx_failure), r.string().value_or(""), what);
}

sftp::PacketWriter SftpChannel::open_request(uint32_t id, const std::string& path, uint32_t flags,
                                             uint32_t mode) const {
    sftp::PacketWriter p(sftp::fxp_open);
    p.u32(id).string(path).u32(flags).permissions(mode);
    return p;
}

Result<std::string> SftpChannel::open_file(const std::string& path, uint32_t flags, uint32_t mode,
                                           const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p = open_request(id, path, flags, mode);
    const std::string what = "open " + path;
    Result<Answer> a = call(p, id, opts, what);
    if (!a.is_ok()) return a.take_status();
    return handle_answer(a.value(), path, what);
}

Result<std::string> SftpChannel::handle_answer(const Answer& a, const std::string& path, const std::string& what) {
    sftp::PacketReader r(a.body);
    if (a.type == sftp::fxp_handle) {
        auto handle = r.string();
        if (!handle) return Status::error(Code::corrupt, "ssh: " + what + ": malformed SFTP handle");
        handle_paths_[*handle] = path;
        return *handle;
    }
    if (a.type != sftp::fxp_status) return Status::error(Code::corrupt, "ssh: " + what + ": unexpected SFTP answer");
    auto code = r.u32();
    return status_error(code.value_or(sftp::fx_failure), r.string().value_or(""), what);
}

Status SftpChannel::fsync(const std::string& handle, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_extended);
    p.u32(id).string("fsync@openssh.com").string(handle);
    return expect_status(p, id, opts, "fsync " + handle_name(handle));
}

Status SftpChannel::close_file(const std::string& handle, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_close);
    p.u32(id).string(handle);
    Status s = expect_status(p, id, opts, "close " + handle_name(handle));
    handle_paths_.erase(handle);
    // Closed: the server may hand the same handle string out again, for another file.
    write_errors_.erase(handle);
    return s;
}

Status SftpChannel::rename(const std::string& from, const std::string& to, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_rename);
    p.u32(id).string(from).string(to);
    return expect_status(p, id, opts, "rename " + from + " to " + to);
}

Status SftpChannel::remove(const std::string& path, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_remove);
    p.u32(id).string(path);
    return expect_status(p, id, opts, "remove " + path);
}

Status SftpChannel::rmdir(const std::string& path, const CallOptions& opts) {
    const uint32_t id = next_id();
    sftp::PacketWriter p(sftp::fxp_rmdir);
    p.u32(id).string(path);
    return expect_status(p, id, opts, "remove directory " + path);
}

Result<std::vector<sftp::DirEntry>> SftpChannel::list_dir(const std::string& path, const CallOptions& opts) {
    const std::string what = "list " + path;
    uint32_t id = next_id();
    sftp::PacketWriter open(sftp::fxp_opendir);
    open.u32(id).string(path);
    Result<Answer> opened = call(open, id, opts, what);
    if (!opened.is_ok()) return opened.take_status();
    sftp::PacketReader hr(opened->body);
    if (opened->type == sftp::fxp_status) {
        auto code = hr.u32();
        return status_error(code.value_or(sftp::fx_failure), hr.string().value_or(""), what);
    }
    auto handle = hr.string();
    if (opened->type != sftp::fxp_handle || !handle)
        return Status::error(Code::corrupt, "ssh: " + what + ": unexpected SFTP answer to OPENDIR");

    std::vector<sftp::DirEntry> entries;
    for (;;) {
        id = next_id();
        sftp::PacketWriter read(sftp::fxp_readdir);
        read.u32(id).string(*handle);
        Result<Answer> a = call(read, id, opts, what);
        if (!a.is_ok()) return a.take_status();
        sftp::PacketReader r(a->body);
        if (a->type == sftp::fxp_status) {
            auto code = r.u32();
            if (code && *code == sftp::fx_eof) break;
            return status_error(code.value_or(sftp::fx_failure), r.string().value_or(""), what);
        }
        auto names = a->type == sftp::fxp_name ? sftp::read_names(r) : std::nullopt;
        if (!names) return Status::error(Code::corrupt, "ssh: " + what + ": malformed SFTP directory listing");
        for (sftp::DirEntry& e : *names)
            if (e.name != "." && e.name != "..") entries.push_back(std::move(e));
    }
    if (Status s = close_file(*handle, opts); !s.is_ok()) return s;
    return entries;
}

Result<sftp::FsStats> SftpChannel::statvfs(const std::string& path, const CallOptions& opts) {
    const std::string what = "free space at " + path;
    if (!has_extension("statvfs@openssh.com"))
        return Status::error(Code::not_supported, "ssh: " + what + ": the server has no statvfs@openssh.com");
    const uint32_t id = next_id();
    sftp::PacketWriter p = statvfs_request(id, path);
    Result<Answer> a = call(p, id, opts, what);
    if (!a.is_ok()) return a.take_status();
    return statvfs_answer(a.value(), what);
}

sftp::PacketWriter SftpChannel::statvfs_request(uint32_t id, const std::string& path) const {
    sftp::PacketWriter p(sftp::fxp_extended);
    p.u32(id).string("statvfs@openssh.com").string(path);
    return p;
}

Result<sftp::FsStats> SftpChannel::statvfs_answer(const Answer& a, const std::string& what) const {
    sftp::PacketReader r(a.body);
    if (a.type == sftp::fxp_status) {
        auto code = r.u32();
        return status_error(code.value_or(sftp::fx_failure), r.string().value_or(""), what);
    }
    if (a.type != sftp::fxp_extended_reply) return Status::error(Code::corrupt, "ssh: " + what + ": unexpected answer");
    auto bsize = r.u64();
    auto frsize = r.u64();
    auto blocks = r.u64();
    auto bfree = r.u64();
    auto bavail = r.u64();
    if (!bsize || !frsize || !blocks || !bfree || !bavail)
        return Status::error(Code::corrupt, "ssh: " + what + ": malformed statvfs answer");
    sftp::FsStats st;
    st.frsize = *frsize ? *frsize : *bsize;
    st.bavail = *bavail;
    return st;
}

Result<SftpChannel::DirProbe> SftpChannel::probe_dir(const std::string& path, const CallOptions& opts) {
    if (Status s = settle_all(opts); !s.is_ok()) return s;
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    const std::string stat_what = "stat " + path;
    const std::string space_what = "free space at " + path;
    const uint32_t stat_id = next_id();
    sftp::PacketWriter stat_packet = stat_request(stat_id, path);
    if (Status s = submit(stat_packet, stat_id, stat_what); !s.is_ok()) return s;
    const bool with_space = has_extension("statvfs@openssh.com");
    const uint32_t space_id = with_space ? next_id() : 0;
    if (with_space) {
        sftp::PacketWriter space_packet = statvfs_request(space_id, path);
        if (Status s = submit(space_packet, space_id, space_what); !s.is_ok()) return s;
    }
    Result<Answer> stat_reply = take_answer(stat_id, opts, stat_what);
    if (!stat_reply.is_ok()) return stat_reply.take_status();
    // Both answers are read before either is judged, so none is left behind for a later request.
    Result<Answer> space_reply = with_space ? take_answer(space_id, opts, space_what) : Result<Answer>(Answer{});
    if (!space_reply.is_ok()) return space_reply.take_status();

    DirProbe probe;
    auto attrs = stat_answer(stat_reply.value(), stat_what);
    if (!attrs.is_ok()) return attrs.take_status();
    probe.attrs = attrs.value();
    // Free space of a missing path or a file is an error the stat already explains.
    if (with_space && probe.attrs && probe.attrs->is_dir()) {
        auto space = statvfs_answer(space_reply.value(), space_what);
        if (!space.is_ok()) return space.take_status();
        probe.space = space.value();
    }
    return probe;
}

Result<SftpChannel::MadeFile> SftpChannel::make_dir_and_create(const std::string& dir, uint32_t dir_mode,
                                                               const std::string& file, uint32_t flags,
                                                               uint32_t file_mode, const CallOptions& opts) {
    if (Status s = settle_all(opts); !s.is_ok()) return s;
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    const std::string mkdir_what = "create directory " + dir;
    const std::string open_what = "open " + file;
    const uint32_t mkdir_id = next_id();
    sftp::PacketWriter mkdir_packet(sftp::fxp_mkdir);
    mkdir_packet.u32(mkdir_id).string(dir).permissions(dir_mode);
    if (Status s = submit(mkdir_packet, mkdir_id, mkdir_what); !s.is_ok()) return s;
    const uint32_t open_id = next_id();
    sftp::PacketWriter open_packet = open_request(open_id, file, flags, file_mode);
    if (Status s = submit(open_packet, open_id, open_what); !s.is_ok()) return s;

    Result<Answer> mkdir_reply = take_answer(mkdir_id, opts, mkdir_what);
    if (!mkdir_reply.is_ok()) return mkdir_reply.take_status();
    Result<Answer> open_reply = take_answer(open_id, opts, open_what);
    if (!open_reply.is_ok()) return open_reply.take_status();
    MadeFile made;
    made.made_dir = status_of(mkdir_reply.value(), mkdir_what);
    auto handle = handle_answer(open_reply.value(), file, open_what);
    if (handle.is_ok())
        made.handle = std::move(handle).value();
    else
        made.open_error = handle.take_status();
    return made;
}

Status SftpChannel::finish_file(const std::string& handle, bool sync, const CallOptions& opts) {
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    const std::string name = handle_name(handle);
    const bool with_fsync = sync && has_extension("fsync@openssh.com");
    // Sent behind the writes: the server handles them after the last write, in this order.
    const uint32_t fsync_id = with_fsync ? next_id() : 0;
    if (with_fsync) {
        sftp::PacketWriter p(sftp::fxp_extended);
        p.u32(fsync_id).string("fsync@openssh.com").string(handle);
        if (Status s = submit(p, fsync_id, "fsync " + name); !s.is_ok()) return s;
    }
    const uint32_t close_id = next_id();
    sftp::PacketWriter close_packet(sftp::fxp_close);
    close_packet.u32(close_id).string(handle);
    if (Status s = submit(close_packet, close_id, "close " + name); !s.is_ok()) return s;

    Status synced = Status::ok();
    if (with_fsync) {
        Result<Answer> a = take_answer(fsync_id, opts, "fsync " + name);
        if (!a.is_ok()) return a.take_status();
        synced = status_of(a.value(), "fsync " + name);
    }
    Result<Answer> closed_reply = take_answer(close_id, opts, "close " + name);
    if (!closed_reply.is_ok()) return closed_reply.take_status();
    Status closed = status_of(closed_reply.value(), "close " + name);
    handle_paths_.erase(handle);
    // Every write was answered before the fsync's answer: their first failure comes first. Only this
    // file's writes count; the handle is closed, and the server may hand its string out again.
    Status written = Status::ok();
    if (auto failed = write_errors_.find(handle); failed != write_errors_.end()) {
        written = std::move(failed->second);
        write_errors_.erase(failed);
    }
    if (!written.is_ok()) return written;
    if (!synced.is_ok()) return synced;
    return closed;
}

}  // namespace kdf::ssh
