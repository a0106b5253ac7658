// sftp_channel.h - a small SFTP v3 client on its own "sftp" subsystem channel, with pipelined writes.
//
// Only what a dump needs: mkdir, stat, open, write, fsync@openssh.com, close, rename, remove and
// statvfs@openssh.com. write() sends a WRITE request and returns as soon as it is on the wire,
// keeping up to `depth` requests unanswered; so a slow round trip does not throttle the stream.
// The price is that a failed write may be reported by a later write() or by drain(): callers treat
// any error as fatal for the file, so that is exact enough. Every other request first drains the
// outstanding writes (a failed one stays reported by write()/drain() but does not block close
// or statvfs), which keeps answers in request order for everything but writes.
//
// Deadlines: every public call arms the connection's watchdog with opts.deadline and reads with a
// timeout, so no call blocks past it; a call cut short returns Code::timeout. Progress heartbeats
// (opts.progress) report acknowledged write bytes while a call waits. One thread at a time.
#pragma once

#include <libssh/libssh.h>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "sftp_wire.h"
#include "ssh_connection.h"

namespace kdf::ssh {

class SftpChannel {
public:
    // Opens the subsystem on `conn` (which must outlive the channel) and exchanges INIT/VERSION.
    static Result<std::unique_ptr<SftpChannel>> open(SshConnection& conn, unsigned depth, const CallOptions& opts);

    SftpChannel(SshConnection& conn, ssh_channel channel, unsigned depth);
    ~SftpChannel();
    SftpChannel(const SftpChannel&) = delete;
    SftpChannel& operator=(const SftpChannel&) = delete;

    bool has_extension(const std::string& name) const { return extensions_.count(name) != 0; }

    Status mkdir(const std::string& path, uint32_t mode, const CallOptions& opts);
    // The attributes, or nullopt when the path does not exist.
    Result<std::optional<sftp::Attributes>> stat(const std::string& path, const CallOptions& opts);
    // Opens a file (sftp::OpenFlags) and returns its handle.
    Result<std::string> open_file(const std::string& path, uint32_t flags, uint32_t mode, const CallOptions& opts);
    // Sends `data` for `offset` in WRITE requests of at most sftp::max_write_data bytes.
    Status write(const std::string& handle, uint64_t offset, std::span<const std::byte> data, const CallOptions& opts);
    // Waits until every write sent so far is answered; the first failure among those for
    // `handle`, if any (another file's failed write is that file's to report).
    Status drain(const std::string& handle, const CallOptions& opts);
    Status fsync(const std::string& handle, const CallOptions& opts);
    Status close_file(const std::string& handle, const CallOptions& opts);
    // SFTP v3 RENAME: fails when `to` exists (OpenSSH links, then unlinks), which is what we want.
    Status rename(const std::string& from, const std::string& to, const CallOptions& opts);
    Status remove(const std::string& path, const CallOptions& opts);
    Result<sftp::FsStats> statvfs(const std::string& path, const CallOptions& opts);

    uint64_t bytes_acknowledged() const { return acknowledged_; }
    // The path a handle was opened for, for messages.
    void name_handle(const std::string& handle, const std::string& path) { handle_paths_[handle] = path; }

private:
    struct Answer {
        uint8_t type = 0;
        uint32_t id = 0;
        std::vector<std::byte> body;  // after type and id
    };
    struct PendingWrite {
        uint32_t id;
        uint64_t offset;
        uint32_t size;
        std::string handle;
    };

    Status send(sftp::PacketWriter& packet, std::string_view what);
    Status read_exact(std::byte* out, size_t size, const CallOptions& opts, std::string_view what);
    Result<Answer> read_answer(const CallOptions& opts, std::string_view what);
    // Settles one pending write from its answer; a failed write goes to write_errors_, and only a
    // broken channel is returned.
    Status settle_one(const CallOptions& opts);
    // Settles every pending write (their failures stay in write_errors_).
    Status settle_all(const CallOptions& opts);
    // Sends a request and waits for its answer (writes drained first).
    Result<Answer> call(sftp::PacketWriter& packet, uint32_t id, const CallOptions& opts, std::string_view what);
    Status expect_status(sftp::PacketWriter& packet, uint32_t id, const CallOptions& opts, const std::string& what);
    Status status_error(uint32_t code, const std::string& server_text, const std::string& what) const;
    uint32_t next_id() { return ++last_id_; }

    SshConnection& conn_;
    ssh_channel channel_;
    unsigned depth_;
    std::set<std::string> extensions_;
    std::deque<PendingWrite> pending_;
    std::map<std::string, std::string> handle_paths_;
    // Per handle, the first failed write, reported until that file is closed. Per handle, not per
    // channel: a side file written after the dump data (vmcore-unreadable.txt) may fail without
    // failing the dump.
    std::map<std::string, Status> write_errors_;
    uint64_t acknowledged_ = 0;
    uint32_t last_id_ = 0;
};

}  // namespace kdf::ssh
