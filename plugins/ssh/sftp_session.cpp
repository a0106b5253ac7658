// sftp_session.cpp - the checked SFTP session probe() and open() share.
#include "sftp_session.h"

#include <cerrno>

#include "kdf/reserve.h"
#include "kdf/retention.h"
#include "sftp_dump_store.h"

namespace kdf::ssh {

WriteWindow write_window_for(const SshOptions& o) {
    return o.requests_in_flight == 0 ? WriteWindow::adaptive(static_cast<uint32_t>(sftp::max_write_data))
                                     : WriteWindow::fixed(o.requests_in_flight);
}

Result<SftpDirSession> open_sftp_dir(const SshOptions& o, const std::string& target_name, WriteWindow window,
                                     const CallOptions& opts, const std::string& dump_host) {
    SftpDirSession session;
    auto conn = SshConnection::open(o, target_name, opts);
    if (!conn.is_ok()) return conn.take_status();
    session.conn = std::move(conn).value();
    auto channel = SftpChannel::open(*session.conn, window, opts);
    if (!channel.is_ok()) return channel.take_status().with_stage(Stage::connect);
    session.channel = std::move(channel).value();
    session.where = session.conn->label() + ":" + o.path;

    SftpChannel& ch = *session.channel;
    auto probe = ch.probe_dir(o.path, opts);
    if (!probe.is_ok()) return probe.take_status();
    if (!probe->attrs) return remote_path_missing(session.where);
    if (!probe->attrs->is_dir())
        return Status::from_errno(ENOTDIR, "ssh: remote path " + session.where + " is not a directory");

    std::optional<sftp::FsStats> space = probe->space;
    if (!dump_host.empty()) {
        SftpDumpStore store(ch, o.path);
        auto removed = apply_retention(store, o.retention, dump_host, "ssh", session.where, opts);
        if (!removed.is_ok()) return removed.take_status();
        // Dumps removed: the space measured with the stat is stale; the reserve must see the space made.
        if (!removed->empty() && space) {
            auto fs = ch.statvfs(o.path, opts);
            if (!fs.is_ok()) return fs.take_status();
            space = fs.value();
        }
    }

    if (space) {
        session.free_bytes = space->free_bytes();
        if (Status s = check_reserve("ssh", *session.free_bytes, o.reserve, session.where); !s.is_ok()) return s;
    }
    return session;
}

}  // namespace kdf::ssh
