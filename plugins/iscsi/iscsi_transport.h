// iscsi_transport.h - the `iscsi` transport: a LUN as a raw dump target, spoken from userspace by
// libiscsi (no kernel initiator, iscsid, kernel modules or multipath tools in the crash kernel).
//
// The LUN carries the kdf::raw layout (kdf/raw_volume_sink.h) over an IscsiVolume. Capabilities:
// positional_write, atomic_commit (the header is the commit record), durable_sync (SYNCHRONIZE
// CACHE before the header says complete), needs_network. A LUN holding a partition table,
// filesystem, LVM/LUKS/swap signature or another host's unsaved dump is refused by probe() and
// open() unless force = yes (kdf/raw_volume_safety.h). Stateless apart from its Description.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::iscsi {

class IscsiTransport final : public Transport {
public:
    IscsiTransport();

    const Description& describe() const noexcept override { return description_; }
    // Option rules (parse_iscsi_options) and the secret files' ownership and mode (no content read).
    Status check(const TargetConfig& target) const noexcept override;
    // The portals' hosts, and the secret files.
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // Logs in, reads the capacity and what the LUN holds; refuses a foreign LUN unless forced.
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    // Logs in (portals in order) within opts.deadline, checks the LUN as probe() does, writes the
    // header {writing}.
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

}  // namespace kdf::iscsi
