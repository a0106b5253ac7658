// stream_sink.h - a flattened dump piped into a remote command (`ssh` transport, mode stream).
//
// For servers that give a shell but no SFTP (kdumpctl's `ssh host dd` idea, done safely):
//   open():      connect; in the shell, check <path> exists, create <path>/<dir_name> (0700) and
//                make sure it holds no dump yet; report free space (df) against `reserve`.
//   put_file():  `cat > .<name>.part && mv` per side file, before any dump data.
//   write_at():  front to back only (the core writes the flattened format with contiguous offsets
//                when the target's format is `flat`); the first call starts
//                `umask 077; set -C; <stream_command>` with {file} = <dir>/vmcore-incomplete, and
//                every call feeds its stdin. A gap or a rewrite is refused.
//   commit():    EOF, the command must exit 0; then `sync` and a rename to <final_name>
//                ("vmcore.flat") that refuses to replace an existing file.
//   abort():     EOF and close; whatever arrived stays as vmcore-incomplete.
// The result is reassembled with `kdump-failover reassemble` or `makedumpfile -R`. The call rules
// (states, stage labels, side-file names, side files first) are kdf::SinkBase's.
#pragma once

#include <memory>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "remote_command.h"
#include "ssh_connection.h"
#include "ssh_options.h"

namespace kdf::ssh {

class StreamSink final : public SinkBase {
public:
    static Result<std::unique_ptr<Sink>> open(const SshOptions& o, const std::string& target_name,
                                              const DumpInfo& dump, const CallOptions& opts);

    StreamSink(std::unique_ptr<SshConnection> conn, std::string dir, std::string final_name, std::string command);
    ~StreamSink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    // The command's own words when it stopped taking data (e.g. "No space left on device").
    Status command_failure(Status s, const CallOptions& opts);

    std::unique_ptr<SshConnection> conn_;
    std::unique_ptr<RemoteCommand> command_;  // destroyed before conn_; null again once commit started
    std::string dir_;
    std::string command_text_;
    uint64_t next_offset_ = 0;
};

// The shell text mode stream runs to prepare the dump directory; prints the free KiB on stdout.
std::string stream_prepare_script(const std::string& path, const std::string& dir_name, const std::string& final_name);

}  // namespace kdf::ssh
