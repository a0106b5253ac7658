// s3_transport.cpp - describe/check/probe/open of the `s3` transport.
#include "s3_transport.h"

#include <unistd.h>

#include <cstdio>

#include "kdf/call_helpers.h"
#include "kdf/dump_host.h"
#include "kdf/guard.h"
#include "kdf/size_text.h"
#include "s3_client.h"
#include "s3_credentials.h"
#include "s3_options.h"
#include "s3_sink.h"

namespace kdf::s3 {

namespace {

// The client for a target: its options and its keys. A target that turns TLS verification off
// says so on every use, on stderr, which the chain's log keeps.
Result<std::unique_ptr<S3Client>> make_client(const TargetConfig& target) {
    Result<S3Options> o = parse_s3_options(target);
    if (!o.is_ok()) return o.take_status();
    Result<S3Credentials> c = load_credentials(o->credentials_file);
    if (!c.is_ok()) return c.take_status().with_stage(Stage::auth);
    if (o->scheme == "https" && !o->verify_tls)
        std::fprintf(stderr, "s3: WARNING: target '%s': verify_tls = no: the certificate of %s is NOT checked; anyone on "
                             "the path can take the dump\n",
                     target.name.c_str(), o->display().c_str());
    return std::make_unique<S3Client>(std::move(o).value(), std::move(c).value());
}

std::string key_dir(const S3Options& o, const std::string& host, const std::string& dir_name) {
    const std::string prefix = o.prefix.empty() ? host : o.prefix;
    return prefix.empty() ? dir_name : prefix + "/" + dir_name;
}

Result<ProbeReport> do_probe(const S3Client& client, const CallOptions& opts) {
    const S3Options& o = client.options();
    const std::string key = key_dir(o, this_dump_host(), ".kdump-failover-probe-" + std::to_string(::getpid()));
    S3Request start;
    start.what = "starting a test upload of " + key;
    start.method = "POST";
    start.key = key;
    start.query = {{"uploads", ""}};
    Result<S3Response> started = client.perform(std::move(start), opts);
    if (!started.is_ok()) return started.take_status();
    const std::string upload_id = xml_value(started->body, "UploadId");
    S3Request abort;
    abort.what = "aborting the test upload of " + key;
    abort.method = "DELETE";
    abort.key = key;
    abort.query = {{"uploadId", upload_id}};
    Result<S3Response> aborted = client.perform(std::move(abort), opts);
    if (!aborted.is_ok())
        return aborted.take_status().with_context("the bucket policy must also allow s3:AbortMultipartUpload");
    ProbeReport r;
    r.summary = "writable with access key " + client.access_key() + " at " + o.display() + "/" +
                key_dir(o, this_dump_host(), "") + " (parts of " + size_text(o.part_size) + ", " +
                std::to_string(o.parts_in_flight) + " in flight" +
                (o.scheme == "https" && !o.verify_tls ? "; TLS NOT VERIFIED)" : ")");
    return r;
}

}  // namespace

S3Transport::S3Transport() {
    description_.name = "s3";
    description_.version = "0.1.0";
    description_.summary = "dump into an S3 bucket (Ceph RGW, AWS S3) as a multipart upload, SigV4, put-only rights";
    description_.caps = TransportCap::durable_sync | TransportCap::needs_network;
    description_.ops = static_cast<uint32_t>(SinkOp::append);
    description_.options = s3_option_specs();
}

Status S3Transport::check(const TargetConfig& target) const noexcept {
    return guarded("s3", [&]() -> Status {
        Result<S3Options> o = parse_s3_options(target);
        return o.is_ok() ? Status::ok() : o.take_status();
    });
}

Result<CrashKernelNeeds> S3Transport::crash_kernel_needs(const TargetConfig& target) const noexcept {
    return guarded("s3", [&]() -> Result<CrashKernelNeeds> {
        Result<S3Options> o = parse_s3_options(target);
        if (!o.is_ok()) return o.take_status();
        CrashKernelNeeds needs;
        needs.hosts.push_back(o->host);
        needs.files.push_back({"credentials_file", o->credentials_file,
                               "write access_key = ... and secret_key = ... into it (root, mode 0600)"});
        if (!o->ca_file.empty()) needs.files.push_back({"ca_file", o->ca_file, "the CA bundle that signed the endpoint"});
        if (o->scheme == "https" && o->ca_file.empty())
            needs.notes.push_back("target '" + target.name +
                                  "': https without ca_file trusts the system CA store, which the initramfs may not "
                                  "hold; set ca_file");
        return needs;
    });
}

Result<ProbeReport> S3Transport::probe(const TargetConfig& target, const CallOptions& opts) noexcept {
    return guarded("s3", [&]() -> Result<ProbeReport> {
        Result<std::unique_ptr<S3Client>> client = make_client(target);
        if (!client.is_ok()) return with_call_stage(client.take_status(), opts, Stage::probe);
        Result<ProbeReport> r = do_probe(*client.value(), opts);
        if (!r.is_ok()) return with_call_stage(r.take_status(), opts, Stage::probe);
        return r;
    });
}

Result<std::unique_ptr<Sink>> S3Transport::open(const TargetConfig& target, const DumpInfo& dump,
                                               const CallOptions& opts) noexcept {
    return guarded("s3", [&]() -> Result<std::unique_ptr<Sink>> {
        Result<std::unique_ptr<S3Client>> client = make_client(target);
        if (!client.is_ok()) return with_call_stage(client.take_status(), opts, Stage::open);
        const std::string dir = key_dir(client.value()->options(), dump.host, dump.dir_name);
        Result<std::unique_ptr<Sink>> sink = S3Sink::open(std::move(client).value(), dir, dump, opts);
        if (!sink.is_ok()) return with_call_stage(sink.take_status(), opts, Stage::open);
        return sink;
    });
}

}  // namespace kdf::s3
