// nfs_transport.h - the `nfs` transport: dumps to a directory on an NFS export, spoken from
// userspace by libnfs (no kernel NFS client, rpcbind or mount in the crash kernel).
//
// Capabilities: positional_write (WRITEs at any offset, several in flight), atomic_commit
// (vmcore-incomplete -> final name by RENAME), durable_sync (COMMIT before the rename),
// needs_network. NFSv3 is the supported path. NFSv4 works on libnfs 4.0.0 only with WRITEs of at
// most 3840 bytes (its COMPOUND encoder's fixed buffer), so v4 dumps are split that small: correct
// but slow; probe() says so. Stateless apart from its Description.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::nfs {

class NfsTransport final : public Transport {
public:
    NfsTransport();

    const Description& describe() const noexcept override { return description_; }
    // Cross-field rules and the URL's arguments (parse_nfs_options); no I/O.
    Status check(const TargetConfig& target) const noexcept override;
    // The server (from `server` or `url`): libnfs needs nothing else in the crash kernel.
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // Mounts, checks that `path` exists and is writable as the configured uid (a file is created
    // and removed), reports free space (FSSTAT) against the reserve.
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    // Mounts within opts.deadline (the connect timeout), creates the dump directory and
    // vmcore-incomplete.
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

}  // namespace kdf::nfs
