// dump_claim.cpp - the conditional PutObject that claims a dump directory (see dump_claim.h).
#include "dump_claim.h"

#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>

#include "kdf/names.h"

namespace kdf::s3 {

namespace {

// The boot id of the running kernel: a crash kernel boots anew for each crash, so two runs that
// share a host, a start second and a PID still differ here.
std::string boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    if (!std::getline(in, id) || id.empty()) return "unknown";
    return id;
}

std::string utc_text(int64_t unix_time) {
    const std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    char text[32] = "?";
    if (gmtime_r(&t, &tm)) std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

enum class Stored { yes, condition_failed };

// One PutObject of the claim under `condition` ("If-None-Match: *" or "If-Match: ..."): stored,
// refused by the condition (HTTP 412), or the request's error.
Result<Stored> put_claim(const S3Client& client, const std::string& key, const std::string& body,
                         const std::string& condition, const CallOptions& opts) {
    if (opts.expired())
        return Status::error(Code::timeout, "s3: claiming " + key + " at " + client.options().display() + ": no time left");
    S3Request r;
    r.what = "claiming " + key;
    r.method = "PUT";
    r.key = key;
    r.body = std::as_bytes(std::span(body.data(), body.size()));
    r.headers = {condition};
    r.amz_headers = {owner_control()};
    std::unique_ptr<HttpCall> call = client.prepare(std::move(r), opts);
    call->finish(curl_easy_perform(call->handle()));
    const S3Response& answer = call->response();
    if (answer.curl_code == CURLE_OK && answer.http_status == 412) return Stored::condition_failed;
    if (Status s = call->status(); !s.is_ok()) return s;
    return Stored::yes;
}

}  // namespace

std::string dump_claim_body(const std::string& key_dir, const DumpInfo& dump) {
    // getppid(): each attempt is a child of the process that runs the chain, so every target of
    // one run writes the same bytes.
    return "kdump-failover: this directory belongs to one dump; no other dump writes here\n"
           "directory: " + key_dir + "/\n" +
           "host: " + dump.host + "\n" +
           "chain started: " + utc_text(dump.started_unix) + "\n" +
           "boot id: " + boot_id() + "\n" +
           "chain pid: " + std::to_string(::getppid()) + "\n";
}

Status claim_dump_dir(const S3Client& client, const std::string& key_dir, const DumpInfo& dump, const CallOptions& opts) {
    const std::string key = key_dir + "/" + std::string(dump_claim_name);
    const std::string body = dump_claim_body(key_dir, dump);
    Result<Stored> fresh = put_claim(client, key, body, "If-None-Match: *", opts);
    if (!fresh.is_ok()) return fresh.take_status();
    if (fresh.value() == Stored::yes) return Status::ok();
    Result<Stored> ours = put_claim(client, key, body, "If-Match: " + md5_hex(body), opts);
    if (!ours.is_ok()) return ours.take_status();
    if (ours.value() == Stored::yes) return Status::ok();
    return Status::from_errno(EEXIST, "s3: " + client.object_name(key_dir + "/") +
                                          " belongs to another dump (its " + std::string(dump_claim_name) +
                                          " is not this run's); refusing to write over it");
}

}  // namespace kdf::s3
