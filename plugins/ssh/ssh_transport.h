// ssh_transport.h - the `ssh` transport: dumps to a server over SSH (libssh), as SFTP (mode sftp:
// the kdump-compressed file written in place, several writes in flight) or piped into a remote
// command (mode stream: makedumpfile's flattened format, for servers that give only a shell).
//
// Capabilities: positional_write in mode sftp only (SftpSink writes at any offset; a mode stream
// target clears it, so the core sends StreamSink the flattened format at contiguous offsets), atomic_commit
// (vmcore-incomplete -> final name), needs_network. Not durable_sync: fsync@openssh.com is used
// whenever the server offers it (OpenSSH does), but a server without it cannot be made to sync.
// Host keys are checked strictly against the target's known_hosts (ssh_connection.h).
// Stateless apart from its Description.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::ssh {

class SshTransport final : public Transport {
public:
    SshTransport();

    const Description& describe() const noexcept override { return description_; }
    // Cross-field rules only (parse_ssh_options); no I/O.
    Status check(const TargetConfig& target) const noexcept override;
    // A mode stream target cannot write in place: no positional_write.
    uint32_t capabilities(const TargetConfig& target) const noexcept override;
    // The identity and known_hosts files (the crash kernel authenticates with them) and the host.
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // Connects and authenticates (strict host key), checks the directory exists and is writable
    // (a probe file is created and removed) and reports free space (statvfs@openssh.com; df in
    // mode stream).
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    // mode stream refuses any format but `flat` before connecting.
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

}  // namespace kdf::ssh
