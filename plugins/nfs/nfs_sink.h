// nfs_sink.h - a dump written as files in a directory on an NFS export, through libnfs.
//
// Layout on the server (docs/architecture.md, "Dump naming on file targets"):
//   <path>/<dump.dir_name>/                    0700, created by open(); <path> must already exist
//   <path>/<dump.dir_name>/vmcore-incomplete   0600, exclusive create, the dump while it is written
//   <path>/<dump.dir_name>/<final_name>        after commit(): drain, COMMIT, close, RENAME
//   <path>/<dump.dir_name>/<side file>         0600, put_file(): temp name, COMMIT, RENAME
//
// write_at() queues WRITEs through a WriteWindow (several in flight) and returns once they are
// queued; errors of earlier WRITEs come back from a later call. Abort, failure and destruction
// without commit() leave vmcore-incomplete in place: nothing is deleted. The call rules (states,
// stage labels, side-file names, side files first) are kdf::SinkBase's. One thread at a time.
#pragma once

#include <memory>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "nfs_client.h"
#include "nfs_options.h"
#include "write_window.h"

namespace kdf::nfs {

class NfsSink final : public SinkBase {
public:
    // Checks <path> (exists, is a directory, free space >= reserve), creates the dump directory
    // and vmcore-incomplete on the mounted `client`, within opts.deadline.
    static Result<std::unique_ptr<Sink>> open(std::unique_ptr<NfsClient> client, const DumpInfo& dump,
                                              const CallOptions& opts);

    NfsSink(std::unique_ptr<NfsClient> client, std::string dir, struct nfsfh* fh, std::string final_name);
    ~NfsSink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    // Side files are files of their own in the dump directory: fine after the data too.
    bool side_files_after_data() const noexcept override { return true; }
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    std::string url_of(const std::string& path) const;

    std::string dir_;         // the dump directory, relative to the export
    struct nfsfh* fh_;        // owned by client_'s context; released by commit/abort (then null)
    // Declared before client_ so it is destroyed after it: destroying the client cancels WRITEs
    // still in flight, which calls back into the window's slots.
    std::unique_ptr<WriteWindow> window_;
    std::unique_ptr<NfsClient> client_;
};

// The steps probe() and open() share. "nfs://server/export/path" for messages.
std::string url_in(const NfsOptions& o, const std::string& path);
// The target's `path` on the export is an existing directory (never created: a typo must not turn
// into a new tree); returns the bytes free there for us.
Result<uint64_t> check_dump_root(NfsClient& client, const CallOptions& opts);
// EACCES/EPERM while creating in `dir`: say who we were and who owns the directory.
Status explain_denied(Status s, NfsClient& client, const std::string& dir, const CallOptions& opts);

}  // namespace kdf::nfs
