// directory_sink.h - a dump written as files in a directory (`local` transport, mode dir).
//
// Layout (docs/architecture.md, "Dump naming on file targets"):
//   <path>/<dump.dir_name>/            0700, created by open(); <path> itself must already exist
//   <path>/<dump.dir_name>/vmcore-incomplete   0600, the dump while it is being written
//   <path>/<dump.dir_name>/<final_name>        after commit() (rename; then the directory is synced)
//   <path>/<dump.dir_name>/<side file>         0600, put_file(): temp name + rename
//
// Abort, a failed write and destruction without commit() all leave vmcore-incomplete in place:
// nothing is ever deleted. The call rules (states, stage labels, side-file names) are
// kdf::SinkBase's. One thread at a time (transport.h).
#pragma once

#include <memory>
#include <string>

#include "kdf/background_sync.h"
#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "kdf/unique_fd.h"
#include "local_options.h"

namespace kdf::local {

class DirectorySink final : public SinkBase {
public:
    // Checks the target (path exists and is a directory, mount point, free space >= reserve),
    // creates the dump directory and vmcore-incomplete. Checks opts.deadline before each step.
    static Result<std::unique_ptr<Sink>> open(const LocalOptions& options, const DumpInfo& dump,
                                              const CallOptions& opts);

    // Takes over an open dump directory and its vmcore-incomplete; open() is the way to get one.
    DirectorySink(std::string dir_path, UniqueFd dir_fd, UniqueFd file_fd, std::string final_name, bool fsync);
    ~DirectorySink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    // Side files are files of their own in the dump directory: fine after the data too.
    bool side_files_after_data() const noexcept override { return true; }
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;

    std::string dir_path_;
    UniqueFd dir_fd_;
    UniqueFd file_fd_;  // open until commit or abort: do_abort() after a failed commit finds it closed
    bool fsync_;
    BackgroundSync writeback_;  // with fsync_: writes back during the dump; finished before file_fd_ closes
};

}  // namespace kdf::local
