// sftp_channel.h - a small SFTP v3 client on its own "sftp" subsystem channel, with pipelined writes.
//
// Only what a dump needs: mkdir, stat, open, write, fsync@openssh.com, close, rename, remove and
// statvfs@openssh.com. write() sends a WRITE request and returns as soon as it is on the wire,
// keeping up to the WriteWindow's depth of requests unanswered; so a slow round trip does not
// throttle the stream.
// The price is that a failed write may be reported by a later write() or by drain(): callers treat
// any error as fatal for the file, so that is exact enough. Every other request first drains the
// outstanding writes (a failed one stays reported by write()/drain() but does not block close
// or statvfs), which keeps answers in request order for everything but writes.
//
// Round trips: the server (OpenSSH's sftp-server) answers requests in the order it gets them, so
// requests whose outcome does not decide whether the next one may be sent go out together and
// cost one round trip: probe_dir() (stat + statvfs), make_dir_and_create() (mkdir + exclusive
// open) and finish_file() (fsync + close sent right behind the last writes). A request that must
// only happen after others succeeded (a rename to the final name) is still sent on its own.
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
#include "write_window.h"

namespace kdf::ssh {

class SftpChannel {
public:
    // Opens the subsystem on `conn` (which must outlive the channel) and exchanges INIT/VERSION.
    static Result<std::unique_ptr<SftpChannel>> open(SshConnection& conn, WriteWindow window, const CallOptions& opts);

    SftpChannel(SshConnection& conn, ssh_channel channel, WriteWindow window);
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
    Status rmdir(const std::string& path, const CallOptions& opts);
    // Every entry of directory `path` but "." and "..", with its own (not followed) attributes.
    Result<std::vector<sftp::DirEntry>> list_dir(const std::string& path, const CallOptions& opts);
    Result<sftp::FsStats> statvfs(const std::string& path, const CallOptions& opts);

    // stat and (when the server offers it) statvfs of `path` in one round trip.
    struct DirProbe {
        std::optional<sftp::Attributes> attrs;  // nullopt: the path does not exist
        std::optional<sftp::FsStats> space;     // nullopt: no statvfs@openssh.com
    };
    Result<DirProbe> probe_dir(const std::string& path, const CallOptions& opts);

    // mkdir `dir`, then open `file` (in it) with `flags`, in one round trip. The open is sent
    // whatever the mkdir's fate, so the caller must look at both: `made_dir` failed and `handle`
    // empty with `open_error` set, or any mix of them.
    struct MadeFile {
        Status made_dir;
        std::string handle;  // empty when the open failed
        Status open_error;
    };
    Result<MadeFile> make_dir_and_create(const std::string& dir, uint32_t dir_mode, const std::string& file,
                                         uint32_t flags, uint32_t file_mode, const CallOptions& opts);

    // Sends fsync@openssh.com (when `sync` and the server offers it) and CLOSE right behind the
    // writes in flight and waits once for all of them: the first failure among the writes, the
    // fsync and the close. The handle is closed (or given up) afterwards either way.
    Status finish_file(const std::string& handle, bool sync, const CallOptions& opts);

    // Writes unanswered at once, now (grows when the window is adaptive).
    unsigned write_depth() const { return window_.depth(); }
    uint64_t bytes_acknowledged() const { return acknowledged_; }
    // The path a handle was opened for, for messages.
    void name_handle(const std::string& handle, const std::string& path) { handle_paths_[handle] = path; }

private:
    struct Answer {
        uint8_t type = 0;
        uint32_t id = 0;
        std::vector<std::byte> body;  // after type and id
    };
    // A request sent and not answered yet: a WRITE, or another request whose answer is kept for
    // take_answer().
    struct Pending {
        uint32_t id;
        bool is_write;
        uint64_t offset;
        uint32_t size;
        std::string handle;
        Clock::time_point sent{};
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
    // Sends a request without waiting; its answer is collected by take_answer().
    Status submit(sftp::PacketWriter& packet, uint32_t id, std::string_view what);
    // Reads answers (settling writes on the way) until request `id`'s has come.
    Result<Answer> take_answer(uint32_t id, const CallOptions& opts, std::string_view what);
    Status status_of(const Answer& a, const std::string& what) const;
    Result<std::optional<sftp::Attributes>> stat_answer(const Answer& a, const std::string& what) const;
    Result<std::string> handle_answer(const Answer& a, const std::string& path, const std::string& what);
    Result<sftp::FsStats> statvfs_answer(const Answer& a, const std::string& what) const;
    sftp::PacketWriter stat_request(uint32_t id, const std::string& path) const;
    sftp::PacketWriter statvfs_request(uint32_t id, const std::string& path) const;
    sftp::PacketWriter open_request(uint32_t id, const std::string& path, uint32_t flags, uint32_t mode) const;
    std::string handle_name(const std::string& handle) const;
    Status expect_status(sftp::PacketWriter& packet, uint32_t id, const CallOptions& opts, const std::string& what);
    Status status_error(uint32_t code, const std::string& server_text, const std::string& what) const;
    uint32_t next_id() { return ++last_id_; }

    SshConnection& conn_;
    ssh_channel channel_;
    WriteWindow window_;
    std::set<std::string> extensions_;
    std::deque<Pending> pending_;
    std::map<uint32_t, Answer> answered_;  // answers to submit()ted requests, until taken
    std::map<std::string, std::string> handle_paths_;
    // Per handle, the first failed write, reported until that file is closed. Per handle, not per
    // channel: a side file written after the dump data (vmcore-unreadable.txt) may fail without
    // failing the dump.
    std::map<std::string, Status> write_errors_;
    uint64_t acknowledged_ = 0;
    uint32_t last_id_ = 0;
};

}  // namespace kdf::ssh
