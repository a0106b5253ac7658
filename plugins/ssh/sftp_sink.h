// sftp_sink.h - a dump written in place over SFTP (`ssh` transport, mode sftp).
//
// Layout on the server (docs/architecture.md, "Dump naming on file targets"):
//   <path>/<dump.dir_name>/                  0700, created by open(); <path> must already exist
//   <path>/<dump.dir_name>/vmcore-incomplete 0600, created exclusively, written with write_at()
//   <path>/<dump.dir_name>/<side file>       0600, put_file(): written as .<name>.part, then renamed
//   <path>/<dump.dir_name>/<final_name>      after commit(): writes drained, fsync@openssh.com (when
//                                            the server offers it), close, rename
// abort(), a failed call and destruction without commit() leave vmcore-incomplete: nothing is
// deleted. A write that fails with a generic SFTP failure while the remote filesystem has (almost)
// no space left is reported as ENOSPC (Code::no_space): SFTP v3 has no status for a full disk.
// The call rules (states, stage labels, side-file names, side files first) are kdf::SinkBase's.
#pragma once

#include <memory>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "sftp_channel.h"
#include "ssh_connection.h"
#include "ssh_options.h"

namespace kdf::ssh {

class SftpSink final : public SinkBase {
public:
    // Connects, checks the directory and free space, creates the dump directory and
    // vmcore-incomplete, all before opts.deadline.
    static Result<std::unique_ptr<Sink>> open(const SshOptions& o, const std::string& target_name,
                                              const DumpInfo& dump, const CallOptions& opts);

    SftpSink(std::unique_ptr<SshConnection> conn, std::unique_ptr<SftpChannel> channel, std::string dir,
             std::string handle, std::string final_name);
    ~SftpSink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    // Side files are files of their own in the dump directory: fine after the data too.
    bool side_files_after_data() const noexcept override { return true; }
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    // A failed write, turned into no_space when the remote filesystem is full.
    Status explain_write_failure(Status s);

    std::unique_ptr<SshConnection> conn_;
    std::unique_ptr<SftpChannel> channel_;  // destroyed before conn_
    std::string dir_;
    std::string handle_;
    bool handle_open_ = true;  // false once commit started closing it: abort() must not close it again
};

}  // namespace kdf::ssh
