// lvm_transport.h - the `lvm` transport: a dump into an LVM2 logical volume.
//
// mode raw (default): the LV is found from the LVM2 metadata on its PVs (pv_scan.h, vg_locator.h),
// without device-mapper, udev or lvm2 in the crash kernel, and the dump is written through the
// LV's extent map (lv_volume.h) behind the kdf::raw header, as any raw target
// (kdf/raw_volume_sink.h). `kdump-failover save lvm://VG/LV DIR` reads it back the same way.
// mode mounted: the LV, activated by the distribution's crash kernel (dracut's lvm module with
// rd.lvm.lv=, or kdump-tools with the real root's lvm2), holds a filesystem; it is mounted and the
// dump written in a dated directory as the local transport's directory mode does (mounted_sink.h).
//
// Capabilities: positional_write, atomic_commit (raw: header state; mounted: vmcore-incomplete ->
// vmcore), durable_sync (raw: fsync of every PV; mounted: fsync of files and directory).
#pragma once

#include <memory>
#include <string_view>

#include "kdf/raw_volume.h"
#include "kdf/transport.h"

namespace kdf::lvm {

class LvmTransport final : public Transport {
public:
    LvmTransport();

    const Description& describe() const noexcept override { return description_; }
    // Option rules only (parse_lvm_options); no I/O.
    Status check(const TargetConfig& target) const noexcept override;
    // raw: nothing beyond our binary (the PVs are read as plain block devices). mounted: the LV
    // must be active in the crash kernel: a note saying how each distribution's integration does it.
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // raw: finds the VG and LV, reports size and layout, and refuses an LV whose start holds a
    // filesystem, swap, LUKS or LVM signature, or another host's unsaved dump, unless force = yes.
    // mounted: the LV's device node exists. Writes nothing.
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    // raw: the same checks as probe, then the header {writing} on the LV.
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

// The opener `kdump-failover save lvm://VG/LV[?devices=GLOB,GLOB] DIR` calls through the plugin's
// raw-volume table: the LV read-write (save marks the header saved).
Result<std::unique_ptr<RawVolume>> open_lvm_url(std::string_view url, const CallOptions& opts) noexcept;

}  // namespace kdf::lvm
