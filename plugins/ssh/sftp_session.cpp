// sftp_session.cpp - the checked SFTP session probe() and open() share.
#include "sftp_session.h"

#include <cerrno>

#include "kdf/reserve.h"
#include "kdf/retention.h"
#include "sftp_dump_store.h"

namespace kdf::ssh {

Result<SftpDirSession> open_sftp_dir(const SshOptions& o, const std::string& target_name, unsigned depth,
                                     const CallOptions& opts, const std::string& dump_host) {
    SftpDirSession session;
    auto conn = SshConnection::open(o, target_name, opts);
    if (!conn.is_ok()) return conn.take_status();
    session.conn = std::move(conn).value();
    auto channel = SftpChannel::open(*session.conn, depth, opts);
    if (!channel.is_ok()) return channel.take_status().with_stage(Stage::connect);
    session.channel = std::move(channel).value();
    session.where = session.conn->label() + ":" + o.path;

    SftpChannel& ch = *session.channel;
    auto st = ch.stat(o.path, opts);
    if (!st.is_ok()) return st.take_status();
    if (!st.value()) return remote_path_missing(session.where);
    if (!st.value()->is_dir())
        return Status::from_errno(ENOTDIR, "ssh: remote path " + session.where + " is not a directory");

    if (!dump_host.empty()) {
        SftpDumpStore store(ch, o.path);
        auto removed = apply_retention(store, o.retention, dump_host, "ssh", session.where, opts);
        if (!removed.is_ok()) return removed.take_status();
    }

    if (ch.has_extension("statvfs@openssh.com")) {
        auto fs = ch.statvfs(o.path, opts);
        if (!fs.is_ok()) return fs.take_status();
        session.free_bytes = fs->free_bytes();
        if (Status s = check_reserve("ssh", *session.free_bytes, o.reserve, session.where); !s.is_ok()) return s;
    }
    return session;
}

}  // namespace kdf::ssh
