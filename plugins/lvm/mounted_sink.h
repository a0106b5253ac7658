// mounted_sink.h - mode mounted: the dump as files on the LV's filesystem.
//
// Layout, as every file target of kdump-failover writes it:
//   <fs>[/<subdir>]/<dump.dir_name>/                 0700
//   <fs>[/<subdir>]/<dump.dir_name>/vmcore-incomplete 0600 while written; <final_name> after commit()
//   <fs>[/<subdir>]/<dump.dir_name>/<side file>       0600, temp name + rename
// commit(): fsync, rename without replacing, fsync the directory, then unmount (if mounted here).
// abort() and destruction leave vmcore-incomplete and unmount. Nothing is ever deleted.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "kdf/unique_fd.h"
#include "lv_mount.h"
#include "lvm_options.h"

namespace kdf::lvm {

class MountedSink final : public SinkBase {
public:
    static Result<std::unique_ptr<Sink>> open(const LvmOptions& options, const DumpInfo& dump, const CallOptions& opts);

    MountedSink(LvMount mount, std::string dir_path, UniqueFd dir_fd, UniqueFd file_fd, std::string final_name);
    ~MountedSink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    // Side files are files of their own in the dump directory: fine after the data too.
    bool side_files_after_data() const noexcept override { return true; }
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;

    LvMount mount_;
    std::string dir_path_;
    UniqueFd dir_fd_;
    UniqueFd file_fd_;
};

// probe() of mode mounted: the node exists, the filesystem mounts (and is unmounted again if it
// was mounted for the probe), the directory is there; reports free space.
Result<ProbeReport> probe_mounted(const LvmOptions& options, const CallOptions& opts);

}  // namespace kdf::lvm
