// lvm_transport.cpp - describe/check/probe/open of the `lvm` transport.
#include "lvm_transport.h"

#include "kdf/call_helpers.h"
#include "kdf/dump_host.h"
#include "kdf/guard.h"
#include "kdf/raw_volume_safety.h"
#include "kdf/raw_volume_sink.h"
#include "kdf/size_text.h"
#include "lv_volume.h"
#include "lvm_options.h"
#include "mounted_sink.h"

namespace kdf::lvm {

namespace {

LvVolumeRequest request_of(const LvmOptions& o, bool writable) {
    return LvVolumeRequest{o.vg, o.lv, o.devices, writable};
}

// The LV, checked safe to overwrite: what probe and open share.
Result<std::unique_ptr<LvVolume>> open_checked(const LvmOptions& o, const std::string& host, bool writable,
                                               const CallOptions& opts, VolumeContents& contents) {
    Result<std::unique_ptr<LvVolume>> volume = open_lv_volume(request_of(o, writable), opts);
    if (!volume.is_ok()) return volume.take_status();
    Result<VolumeContents> c = inspect_volume(*volume.value(), host, opts);
    if (!c.is_ok()) return c.take_status();
    contents = std::move(c.value());
    if (Status s = refuse_unless_forced("lvm", *volume.value(), contents, o.force); !s.is_ok()) return s;
    return volume;
}

}  // namespace

LvmTransport::LvmTransport() {
    description_.name = "lvm";
    description_.version = "0.1.0";
    description_.summary =
        "dump into an LVM2 logical volume: raw through its extents without device-mapper, or onto its filesystem";
    description_.caps = TransportCap::positional_write | TransportCap::atomic_commit | TransportCap::durable_sync;
    description_.ops = static_cast<uint32_t>(SinkOp::write_at);
    description_.options = lvm_option_specs();
}

Status LvmTransport::check(const TargetConfig& target) const noexcept {
    return guarded("lvm", [&]() -> Status {
        Result<LvmOptions> o = parse_lvm_options(target);
        return o.is_ok() ? Status::ok() : o.take_status();
    });
}

Result<CrashKernelNeeds> LvmTransport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("lvm", [&]() -> Result<CrashKernelNeeds> {
        Result<LvmOptions> o = parse_lvm_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        if (o->mode == Mode::mounted)
            needs.notes.push_back("mode mounted needs " + o->vg + "/" + o->lv +
                                  " active in the crash kernel: dracut's lvm module with rd.lvm.lv=" + o->vg + "/" +
                                  o->lv + ", or kdump-tools with the system's lvm2");
        return needs;
    });
}

Result<ProbeReport> LvmTransport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Result<ProbeReport> {
        Result<LvmOptions> o = parse_lvm_options(target);
        if (!o.is_ok()) return o.take_status();
        if (o->mode == Mode::mounted) {
            Result<ProbeReport> r = probe_mounted(o.value(), opts);
            if (!r.is_ok()) return with_call_stage(r.take_status(), opts, Stage::probe);
            return r;
        }
        VolumeContents contents;
        Result<std::unique_ptr<LvVolume>> volume = open_checked(o.value(), this_dump_host(), false, opts, contents);
        if (!volume.is_ok()) return with_call_stage(volume.take_status(), opts, Stage::probe);
        const LvVolume& v = *volume.value();
        ProbeReport r;
        const uint64_t overhead = raw::header_size + raw::data_alignment;
        r.free_bytes = v.size() > overhead ? v.size() - overhead : 0;
        r.free_known = true;
        r.summary = v.location() + ", " + size_text(v.size()) + " (" + v.layout_summary() + "); " + contents.holds +
                    (contents.foreign.empty() ? "" : " (force = yes)");
        return r;
    });
}

Result<std::unique_ptr<Sink>> LvmTransport::open(const TargetConfig& target, const DumpInfo& dump,
                                                 const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<LvmOptions> o = parse_lvm_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<std::unique_ptr<Sink>> sink = [&]() -> Result<std::unique_ptr<Sink>> {
            if (o->mode == Mode::mounted) return MountedSink::open(o.value(), dump, opts);
            VolumeContents contents;
            Result<std::unique_ptr<LvVolume>> volume = open_checked(o.value(), dump.host, true, opts, contents);
            if (!volume.is_ok()) return volume.take_status();
            return RawVolumeSink::open("lvm", std::move(volume.value()), dump, opts);
        }();
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

Result<std::unique_ptr<RawVolume>> open_lvm_url(std::string_view url, const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Result<std::unique_ptr<RawVolume>> {
        std::optional<LvmUrl> u = parse_lvm_url(url);
        if (!u)
            return Status::error(Code::invalid_config, "lvm: '" + std::string(url) +
                                                           "' is not lvm://VG/LV[?devices=GLOB,GLOB]");
        Result<std::unique_ptr<LvVolume>> v = open_lv_volume(LvVolumeRequest{u->vg, u->lv, u->devices, true}, opts);
        if (!v.is_ok()) return v.take_status();
        return std::unique_ptr<RawVolume>(std::move(v.value()));
    });
}

}  // namespace kdf::lvm
