// nfs_transport.cpp - describe/check/probe/open of the `nfs` transport.
#include "nfs_transport.h"

#include <sys/stat.h>
#include <unistd.h>

#include "kdf/call_helpers.h"
#include "kdf/guard.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"
#include "nfs_client.h"
#include "nfs_error.h"
#include "nfs_options.h"
#include "nfs_sink.h"

namespace kdf::nfs {

namespace {

// Reaching the server and mounting the export is the connect stage, for probe and open alike (as
// ssh's connection and handshake are): "[connect]" says the server or export is the problem, not
// the dump directory.
Result<std::unique_ptr<NfsClient>> connect(const NfsOptions& o, const CallOptions& opts) {
    Result<std::unique_ptr<NfsClient>> mounted = NfsClient::mount(o, opts);
    if (!mounted.is_ok()) return mounted.take_status().with_stage(Stage::connect);
    return mounted;
}

Result<ProbeReport> do_probe(const NfsOptions& o, const CallOptions& opts) {
    Result<std::unique_ptr<NfsClient>> mounted = connect(o, opts);
    if (!mounted.is_ok()) return mounted.take_status();
    NfsClient& c = *mounted.value();
    const std::string& root = o.dump_root();
    const std::string where = o.display();

    Result<uint64_t> free = check_dump_root(c, opts);
    if (!free.is_ok()) return free.take_status();

    // Writable as the server sees us (root_squash included): create and remove a probe file.
    const std::string probe_file =
        (root == "/" ? std::string() : root) + "/.kdump-failover-probe." + std::to_string(::getpid());
    Result<struct nfsfh*> fh = c.create_new(probe_file, 0600, opts);
    if (!fh.is_ok()) return explain_denied(fh.take_status(), c, root, opts);
    if (Status s = c.close(fh.value(), probe_file, opts); !s.is_ok()) return s;
    if (Status s = c.unlink(probe_file, opts); !s.is_ok()) return s;

    if (Status s = check_reserve("nfs", free.value(), o.reserve, where); !s.is_ok()) return s;
    ProbeReport r;
    r.free_bytes = free.value();
    r.free_known = true;
    r.summary = "writable as uid " + std::to_string(o.uid) + ", " + size_text(free.value()) + " free at " + where +
                " (NFSv" + std::to_string(o.version) + ", WRITEs of " + std::to_string(c.max_write()) + " bytes, " +
                std::to_string(o.inflight) + " in flight)";
    if (o.version == 4 && c.max_write() <= kNfs4MaxWrite)
        r.summary += "; libnfs " KDF_LIBNFS_VERSION " limits NFSv4 WRITEs to 3840 bytes: slow, prefer version = 3";
    return r;
}

}  // namespace

NfsTransport::NfsTransport() {
    description_.name = "nfs";
    description_.version = "0.1.0";
    description_.summary = "dump to a directory on an NFS export (NFSv3, v4) through libnfs, no kernel NFS client";
    description_.caps = TransportCap::positional_write | TransportCap::atomic_commit | TransportCap::durable_sync |
                        TransportCap::needs_network;
    description_.ops = static_cast<uint32_t>(SinkOp::write_at);
    description_.options = nfs_option_specs();
}

Result<CrashKernelNeeds> NfsTransport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("nfs", [&]() -> Result<CrashKernelNeeds> {
        Result<NfsOptions> o = parse_nfs_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        needs.hosts.push_back(o->server);
        return needs;
    });
}

Status NfsTransport::check(const TargetConfig& target) const noexcept {
    return guarded("nfs", [&]() -> Status {
        Result<NfsOptions> o = parse_nfs_options(target);
        return o.is_ok() ? Status::ok() : o.take_status();
    });
}

Result<ProbeReport> NfsTransport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("nfs", [&]() -> Result<ProbeReport> {
        Result<NfsOptions> o = parse_nfs_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<ProbeReport> r = do_probe(o.value(), opts);
        if (!r.is_ok()) return with_call_stage(r.take_status(), opts, Stage::probe);
        return r;
    });
}

Result<std::unique_ptr<Sink>> NfsTransport::open(const TargetConfig& target, const DumpInfo& dump,
                                                 const CallOptions& opts) noexcept {
    return guarded("nfs", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<NfsOptions> o = parse_nfs_options(target);
        if (!o.is_ok()) return o.take_status();
        Result<std::unique_ptr<NfsClient>> client = connect(o.value(), opts);
        if (!client.is_ok()) return client.take_status();
        Result<std::unique_ptr<Sink>> sink = NfsSink::open(std::move(client).value(), dump, opts);
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

}  // namespace kdf::nfs
