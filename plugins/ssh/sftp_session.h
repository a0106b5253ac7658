// sftp_session.h - an SFTP session on a target's remote directory, checked: what probe() and
// open() in mode sftp both start with.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "sftp_channel.h"
#include "ssh_connection.h"
#include "ssh_options.h"

namespace kdf::ssh {

struct SftpDirSession {
    std::unique_ptr<SshConnection> conn;  // declared first: the channel lives on it, so it goes last
    std::unique_ptr<SftpChannel> channel;
    std::string where;                    // "host:path", for messages
    std::optional<uint64_t> free_bytes;   // from statvfs@openssh.com, when the server offers it
};

// Connects (strict host key, key login), opens the SFTP subsystem with `window` for its writes
// (a failure there is Stage::connect, like the handshake's), checks that o.path exists and is a
// directory, and reads its free space (one round trip for both), refusing less than o.reserve. With
// `dump_host` (open(), never probe()) it first applies o.retention to that host's dumps, so the
// reserve sees the space made.
Result<SftpDirSession> open_sftp_dir(const SshOptions& o, const std::string& target_name, WriteWindow window,
                                     const CallOptions& opts, const std::string& dump_host = {});

// The write window `requests_in_flight` asks for: adaptive for 0 ("auto"), else that many.
WriteWindow write_window_for(const SshOptions& o);

}  // namespace kdf::ssh
