// remote_command.h - one command run on the server over an exec channel (`ssh` mode stream).
//
// For servers that give a shell but no SFTP: start() runs `sh -c`-style command text, write()
// feeds its stdin, finish() sends EOF, collects stderr (the reason a command failed) and returns
// the exit status. Every call is bounded by its opts.deadline through the connection's watchdog.
// The connection must outlive the command. One thread at a time.
#pragma once

#include <libssh/libssh.h>

#include <memory>
#include <span>
#include <string>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "ssh_connection.h"

namespace kdf::ssh {

struct CommandResult {
    int exit_status = -1;
    std::string out;  // stdout, at most a few KiB kept
    std::string err;  // stderr, at most a few KiB kept, trailing newlines trimmed
};

class RemoteCommand {
public:
    static Result<std::unique_ptr<RemoteCommand>> start(SshConnection& conn, const std::string& command,
                                                        const CallOptions& opts);
    RemoteCommand(SshConnection& conn, ssh_channel channel, std::string command);
    ~RemoteCommand();
    RemoteCommand(const RemoteCommand&) = delete;
    RemoteCommand& operator=(const RemoteCommand&) = delete;

    // Sends bytes to the command's stdin.
    Status write(std::span<const std::byte> data, const CallOptions& opts);
    // EOF on stdin, then waits for the command to exit.
    Result<CommandResult> finish(const CallOptions& opts);

private:
    SshConnection& conn_;
    ssh_channel channel_;
    std::string command_;
};

// Runs `command` with `input` on stdin and waits for it.
Result<CommandResult> run_remote(SshConnection& conn, const std::string& command, std::span<const std::byte> input,
                                 const CallOptions& opts);

}  // namespace kdf::ssh
