// iscsi_transport.cpp - describe/check/probe/open of the `iscsi` transport.
#include "iscsi_transport.h"

#include "chap_secret.h"
#include "iscsi_options.h"
#include "iscsi_volume.h"
#include "kdf/call_helpers.h"
#include "kdf/dump_host.h"
#include "kdf/guard.h"
#include "kdf/raw_dump_header.h"
#include "kdf/raw_volume_safety.h"
#include "kdf/raw_volume_sink.h"
#include "kdf/size_text.h"
#include "kdf/target_options.h"

namespace kdf::iscsi {

namespace {

// "10.0.0.5" of "10.0.0.5:3260", "fd00::5" of "[fd00::5]:3260".
std::string portal_host(const std::string& portal) {
    std::string host = portal.substr(0, portal.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    return host;
}

// A secret file's problem as a config error pointing at the option's line.
Status option_error_for(const TargetConfig& target, const char* key, const Status& s) {
    std::string text = s.to_string();
    if (text.starts_with("iscsi: ")) text.erase(0, 7);
    return option_error(target, "iscsi", key, text);
}

Result<std::unique_ptr<IscsiVolume>> open_checked(const IscsiOptions& o, const std::string& our_host,
                                                  VolumeContents& contents, const CallOptions& opts) {
    Result<std::unique_ptr<IscsiVolume>> volume = IscsiVolume::open(o, opts);
    if (!volume.is_ok()) return volume.take_status();
    IscsiVolume& v = *volume.value();
    const uint64_t needed = raw::header_size + raw::data_alignment;
    if (v.size() < needed)
        return Status::error(Code::no_space, "iscsi: " + v.location() + " holds " + size_text(v.size()) +
                                                 ", less than the " + size_text(needed) +
                                                 " a raw dump needs before any data");
    Result<VolumeContents> c = inspect_volume(v, our_host, opts);
    if (!c.is_ok()) return c.take_status();
    contents = c.value();
    if (Status s = refuse_unless_forced("iscsi", v, contents, o.force); !s.is_ok()) return s;
    return volume;
}

}  // namespace

IscsiTransport::IscsiTransport() {
    description_.name = "iscsi";
    description_.version = "0.1.0";
    description_.summary = "dump to an iSCSI LUN (raw, self-describing header) through libiscsi, no kernel initiator";
    description_.caps = TransportCap::positional_write | TransportCap::atomic_commit | TransportCap::durable_sync |
                        TransportCap::needs_network;
    description_.ops = static_cast<uint32_t>(SinkOp::write_at);
    description_.options = iscsi_option_specs();
}

Status IscsiTransport::check(const TargetConfig& target) const noexcept {
    return guarded("iscsi", [&]() -> Status {
        Result<IscsiOptions> o = parse_iscsi_options(target);
        if (!o.is_ok()) return o.take_status();
        if (!o->chap_secret_file.empty())
            if (Status s = check_chap_secret_file(o->chap_secret_file, "chap_secret_file"); !s.is_ok())
                return option_error_for(target, "chap_secret_file", s);
        if (!o->mutual_chap_secret_file.empty())
            if (Status s = check_chap_secret_file(o->mutual_chap_secret_file, "mutual_chap_secret_file"); !s.is_ok())
                return option_error_for(target, "mutual_chap_secret_file", s);
        return Status::ok();
    });
}

Result<CrashKernelNeeds> IscsiTransport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("iscsi", [&]() -> Result<CrashKernelNeeds> {
        Result<IscsiOptions> o = parse_iscsi_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        for (const std::string& p : o->portals) needs.hosts.push_back(portal_host(p));
        if (!o->chap_secret_file.empty())
            needs.files.push_back({"chap_secret_file", o->chap_secret_file, "create it with the CHAP secret, mode 0600"});
        if (!o->mutual_chap_secret_file.empty())
            needs.files.push_back({"mutual_chap_secret_file", o->mutual_chap_secret_file,
                                   "create it with the target's CHAP secret, mode 0600"});
        return needs;
    });
}

Result<ProbeReport> IscsiTransport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("iscsi", [&]() -> Result<ProbeReport> {
        Result<IscsiOptions> o = parse_iscsi_options(target);
        if (!o.is_ok()) return o.take_status();
        VolumeContents contents;
        Result<std::unique_ptr<IscsiVolume>> v = open_checked(o.value(), this_dump_host(), contents, opts);
        if (!v.is_ok()) return with_call_stage(v.take_status(), opts, Stage::probe);
        ProbeReport r;
        r.free_bytes = v.value()->size() - raw::data_alignment;
        r.free_known = true;
        r.summary = v.value()->location() + " via " + v.value()->portal() + ": " + size_text(v.value()->size()) + " in " +
                    std::to_string(v.value()->block_size()) + "-byte blocks (" + size_text(r.free_bytes) +
                    " for dump data); " + contents.holds + (o->force && !contents.foreign.empty() ? " (force = yes)" : "");
        return r;
    });
}

Result<std::unique_ptr<Sink>> IscsiTransport::open(const TargetConfig& target, const DumpInfo& dump,
                                                   const CallOptions& opts) noexcept {
    return guarded("iscsi", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<IscsiOptions> o = parse_iscsi_options(target);
        if (!o.is_ok()) return o.take_status();
        VolumeContents contents;
        Result<std::unique_ptr<IscsiVolume>> v = open_checked(o.value(), dump.host, contents, opts);
        if (!v.is_ok()) return with_call_stage(v.take_status(), opts, Stage::open);
        Result<std::unique_ptr<Sink>> sink = RawVolumeSink::open("iscsi", std::move(v.value()), dump, opts);
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

}  // namespace kdf::iscsi
