// local_transport.h - the `local` transport: dumps to a directory on a mounted filesystem (mode
// dir, DirectorySink) or to a raw block device behind a kdf::raw header (mode raw, kdf::RawVolumeSink over a kdf::FdRawVolume).
//
// Capabilities: positional_write (write_at at any offset), atomic_commit (vmcore-incomplete ->
// final name; raw: header state), durable_sync (fsync before commit returns, unless fsync = no).
// Stateless apart from its Description, so one instance may serve any number of targets.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::local {

class LocalTransport final : public Transport {
public:
    LocalTransport();

    const Description& describe() const noexcept override { return description_; }
    // Cross-field rules only (parse_local_options); no I/O.
    Status check(const TargetConfig& target) const noexcept override;
    // fsync = no gives up durable_sync: commit() then returns before the data is on disk.
    uint32_t capabilities(const TargetConfig& target) const noexcept override;
    // dir mode: the mount point whose filesystem the initramfs mounts (mount_point, or path with
    // require_mount); raw mode: nothing (the device node is enough).
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // dir: path exists, is a directory, is writable (a temp file is created and removed), mount
    // point holds, free space >= reserve. raw: the device opens read-write and is large enough for
    // a header; reports its size and what an existing header says (an unsaved dump gets overwritten).
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

}  // namespace kdf::local
