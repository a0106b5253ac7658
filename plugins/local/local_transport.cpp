// local_transport.cpp - describe/check/probe/open of the `local` transport.
#include "local_transport.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "directory_sink.h"
#include "file_util.h"
#include "kdf/call_helpers.h"
#include "kdf/dump_host.h"
#include "kdf/guard.h"
#include "kdf/fd_raw_volume.h"
#include "kdf/raw_dump_header.h"
#include "kdf/raw_volume_safety.h"
#include "kdf/raw_volume_sink.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"
#include "local_options.h"
#include "mount_point.h"
#include "raw_device.h"

namespace kdf::local {

namespace {

Result<ProbeReport> probe_dir(const LocalOptions& o, const CallOptions& opts) {
    if (Status s = check_deadline(opts, "checking " + o.path); !s.is_ok()) return s;
    if (Status s = check_target_directory(o.path); !s.is_ok()) return s;
    if (!o.mount_point.empty())
        if (Status s = check_mount_point(o.mount_point, o.path); !s.is_ok()) return s;

    if (Status s = check_deadline(opts, "checking that " + o.path + " is writable"); !s.is_ok()) return s;
    const std::string probe_file = o.path + "/.kdump-failover-probe." + std::to_string(::getpid());
    UniqueFd fd(::open(probe_file.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Status::from_errno(errno, "local: " + o.path + " is not writable: create " + probe_file);
    fd.reset();
    if (::unlink(probe_file.c_str()) != 0) return Status::from_errno(errno, "local: remove " + probe_file);

    Result<uint64_t> free = free_bytes(o.path);
    if (!free.is_ok()) return free.take_status();
    if (Status s = check_reserve("local", free.value(), o.reserve, o.path); !s.is_ok()) return s;
    ProbeReport r;
    r.free_bytes = free.value();
    r.free_known = true;
    r.summary =
        "writable, " + size_text(free.value()) + " free at " + o.path + (o.mount_point.empty() ? "" : " (mounted)");
    return r;
}

// The device, opened and checked safe to overwrite: what probe and open share. O_EXCL on a block
// device only guards against a mounted filesystem, and in the crash kernel nothing is mounted, so
// what the device holds is read and refused unless `force` (kdf/raw_volume_safety.h).
Result<std::unique_ptr<FdRawVolume>> open_checked(const LocalOptions& o, const std::string& our_host,
                                                  const CallOptions& opts, VolumeContents& contents) {
    if (Status s = check_deadline(opts, "opening " + o.device); !s.is_ok()) return s;
    Result<RawDevice> dev = open_raw_device(o.device);
    if (!dev.is_ok()) return dev.take_status();
    const uint64_t size = dev.value().size;
    const uint64_t needed = raw::header_size + raw::data_alignment;
    if (size < needed)
        return Status::error(Code::no_space, "local: device " + o.device + " holds " + size_text(size) +
                                                 ", less than the " + size_text(needed) +
                                                 " a raw dump needs before any data");
    auto volume = std::make_unique<FdRawVolume>("local", std::move(dev.value().fd), o.device, size, o.fsync);
    Result<VolumeContents> c = inspect_volume(*volume, our_host, opts);
    if (!c.is_ok()) return c.take_status();
    contents = std::move(c.value());
    if (Status s = refuse_unless_forced("local", *volume, contents, o.force); !s.is_ok()) return s;
    return volume;
}

Result<ProbeReport> probe_raw(const LocalOptions& o, const CallOptions& opts) {
    VolumeContents contents;
    Result<std::unique_ptr<FdRawVolume>> volume = open_checked(o, this_dump_host(), opts, contents);
    if (!volume.is_ok()) return volume.take_status();
    const uint64_t size = volume.value()->size();
    ProbeReport r;
    r.free_bytes = size - raw::data_alignment;
    r.free_known = true;
    r.summary = "raw device " + o.device + ", " + size_text(size) + " (" + size_text(r.free_bytes) +
                " for dump data); " + contents.holds + (contents.foreign.empty() ? "" : " (force = yes)");
    return r;
}

// Mode raw: the SDK's raw layout (kdf/raw_volume_sink.h) over the opened device. With option
// fsync a helper thread writes the data back during the dump, so the commit's flush has little left.
Result<std::unique_ptr<Sink>> open_raw(const LocalOptions& o, const DumpInfo& dump, const CallOptions& opts) {
    VolumeContents contents;
    Result<std::unique_ptr<FdRawVolume>> volume = open_checked(o, dump.host, opts, contents);
    if (!volume.is_ok()) return volume.take_status();
    return RawVolumeSink::open("local", std::move(volume.value()), dump, opts);
}

}  // namespace

LocalTransport::LocalTransport() {
    description_.name = "local";
    description_.version = "0.1.0";
    description_.summary = "dump to a directory on a mounted filesystem, or to a raw block device";
    description_.caps = TransportCap::positional_write | TransportCap::atomic_commit | TransportCap::durable_sync;
    description_.ops = static_cast<uint32_t>(SinkOp::write_at);
    description_.options = local_option_specs();
}

Status LocalTransport::check(const TargetConfig& target) const noexcept {
    return guarded("local", [&]() -> Status {
        Result<LocalOptions> o = parse_local_options(target);
        return o.is_ok() ? Status::ok() : o.take_status();
    });
}

uint32_t LocalTransport::capabilities(const TargetConfig& target) const noexcept {
    return narrowed_caps(description_.caps, TransportCap::durable_sync, [&] {
        Result<LocalOptions> o = parse_local_options(target);
        return o.is_ok() && o->fsync;
    });
}

Result<CrashKernelNeeds> LocalTransport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("local", [&]() -> Result<CrashKernelNeeds> {
        Result<LocalOptions> o = parse_local_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        if (o->mode == Mode::raw) return needs;
        if (o->mount_point.empty()) {
            needs.notes.push_back("no mount_point, so the initramfs mounts nothing for it; in the crash kernel " + o->path +
                                  " exists only if some other step mounts its filesystem");
            return needs;
        }
        needs.mount_point = o->mount_point;
        needs.mount_key = target.get("mount_point").empty() ? "require_mount" : "mount_point";
        return needs;
    });
}

Result<ProbeReport> LocalTransport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("local", [&]() -> Result<ProbeReport> {
        Result<LocalOptions> o = parse_local_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<ProbeReport> r = o.value().mode == Mode::dir ? probe_dir(o.value(), opts) : probe_raw(o.value(), opts);
        if (!r.is_ok()) return with_call_stage(r.take_status(), opts, Stage::probe);
        return r;
    });
}

Result<std::unique_ptr<Sink>> LocalTransport::open(const TargetConfig& target, const DumpInfo& dump,
                                                   const CallOptions& opts) noexcept {
    return guarded("local", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<LocalOptions> o = parse_local_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<std::unique_ptr<Sink>> sink = o.value().mode == Mode::dir ? DirectorySink::open(o.value(), dump, opts)
                                                                         : open_raw(o.value(), dump, opts);
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

}  // namespace kdf::local
