// remote_command.cpp - exec channels for mode stream.
#include "remote_command.h"

#include <algorithm>
#include <chrono>

namespace kdf::ssh {

namespace {
constexpr size_t keep_output = 4096;
constexpr int read_slice_ms = 500;
}  // namespace

Result<std::unique_ptr<RemoteCommand>> RemoteCommand::start(SshConnection& conn, const std::string& command,
                                                            const CallOptions& opts) {
    ArmedScope bounded(conn.watchdog(), conn.fd(), opts.deadline);
    ssh_channel ch = ssh_channel_new(conn.session());
    if (!ch) return conn.failure("creating a channel");
    auto c = std::make_unique<RemoteCommand>(conn, ch, command);
    if (ssh_channel_open_session(ch) != SSH_OK) return conn.failure("opening a session channel");
    if (ssh_channel_request_exec(ch, command.c_str()) != SSH_OK) return conn.failure("running `" + command + "`");
    return c;
}

RemoteCommand::RemoteCommand(SshConnection& conn, ssh_channel channel, std::string command)
    : conn_(conn), channel_(channel), command_(std::move(command)) {}

RemoteCommand::~RemoteCommand() {
    if (!conn_.watchdog().fired() && ssh_channel_is_open(channel_)) {
        ArmedScope bounded(conn_.watchdog(), conn_.fd(), Clock::now() + std::chrono::seconds(2));
        ssh_channel_close(channel_);
    }
    ssh_channel_free(channel_);
}

Status RemoteCommand::write(std::span<const std::byte> data, const CallOptions& opts) {
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    while (!data.empty()) {
        const uint32_t n = static_cast<uint32_t>(std::min<size_t>(data.size(), 1u << 20));
        int rc = ssh_channel_write(channel_, data.data(), n);
        if (rc < 0) return conn_.failure("sending the dump to `" + command_ + "`");
        data = data.subspan(static_cast<size_t>(rc));
        opts.report_progress(0);
    }
    return Status::ok();
}

Result<CommandResult> RemoteCommand::finish(const CallOptions& opts) {
    ArmedScope bounded(conn_.watchdog(), conn_.fd(), opts.deadline);
    if (ssh_channel_is_open(channel_) && !ssh_channel_is_eof(channel_)) (void)ssh_channel_send_eof(channel_);
    CommandResult r;
    char buf[4096];
    // Read both streams until the command closes them.
    while (!ssh_channel_is_eof(channel_) && ssh_channel_is_open(channel_)) {
        if (opts.expired())
            return Status::error(Code::timeout, "ssh: `" + command_ + "` on " + conn_.label() +
                                                    " did not finish before the deadline")
                .with_retryable(true);
        const int slice = std::max(1, std::min(opts.remaining_ms(), read_slice_ms));
        for (int is_stderr : {0, 1}) {
            int n = ssh_channel_read_timeout(channel_, buf, sizeof buf, is_stderr, is_stderr ? 0 : slice);
            if (n < 0) return conn_.failure("reading the output of `" + command_ + "`");
            std::string& into = is_stderr ? r.err : r.out;
            if (n > 0 && into.size() < keep_output)
                into.append(buf, std::min(static_cast<size_t>(n), keep_output - into.size()));
        }
    }
    // What libssh still buffers after the EOF.
    for (int is_stderr : {0, 1})
        for (;;) {
            int n = ssh_channel_read_timeout(channel_, buf, sizeof buf, is_stderr, 0);
            if (n <= 0) break;
            std::string& into = is_stderr ? r.err : r.out;
            if (into.size() < keep_output) into.append(buf, std::min(static_cast<size_t>(n), keep_output - into.size()));
        }
    r.exit_status = ssh_channel_get_exit_status(channel_);
    if (conn_.watchdog().fired()) return conn_.failure("waiting for `" + command_ + "`");
    while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == '\r')) r.err.pop_back();
    return r;
}

Result<CommandResult> run_remote(SshConnection& conn, const std::string& command, std::span<const std::byte> input,
                                 const CallOptions& opts) {
    auto cmd = RemoteCommand::start(conn, command, opts);
    if (!cmd.is_ok()) return cmd.take_status();
    if (!input.empty())
        if (Status s = cmd.value()->write(input, opts); !s.is_ok()) return s;
    return cmd.value()->finish(opts);
}

}  // namespace kdf::ssh
