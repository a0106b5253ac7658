// dump_claim.cpp - the conditional PutObjects that claim a dump directory (see dump_claim.h).
#include "dump_claim.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>
#include <vector>

#include "kdf/names.h"

namespace kdf::s3 {

namespace {

// A claim request that failed for a passing cause (5xx, a dropped connection, 409 from a store
// that saw two conditional writes race) is sent again this often at most, pausing between tries.
constexpr int kMaxClaimAttempts = 6;
constexpr std::chrono::milliseconds kFirstClaimPause{200};
constexpr std::chrono::milliseconds kLongestClaimPause{2000};

// Names tried after "<dir>-<boot>": a second run of the chain in one boot (run by hand, say).
constexpr int kMaxRunsPerBoot = 9;

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

enum class Put { stored, condition_failed, vanished };

// One PutObject of the claim under `condition` ("If-None-Match: *" or "If-Match: ..."): stored,
// refused by the condition (HTTP 412), gone (404 to If-Match: the object it names is not there),
// or the request's error once passing causes were tried again within the deadline.
Result<Put> put_claim(const S3Client& client, const std::string& key, const std::string& body,
                      const std::string& condition, const CallOptions& opts) {
    Status last = Status::ok();
    for (int attempt = 1; attempt <= kMaxClaimAttempts; ++attempt) {
        if (opts.expired())
            return Status::error(Code::timeout, "s3: claiming " + key + " at " + client.options().display() +
                                                    ": no time left" + (last.is_ok() ? "" : " (" + last.message() + ")"));
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
        const bool answered = answer.curl_code == CURLE_OK;
        if (answered && answer.http_status == 412) return Put::condition_failed;
        if (answered && answer.http_status == 404 && condition.starts_with("If-Match")) return Put::vanished;
        Status s = call->status();
        if (s.is_ok()) return Put::stored;
        if (!s.retryable() && !(answered && answer.http_status == 409)) return s;
        last = std::move(s);
        if (attempt == kMaxClaimAttempts) break;
        const auto pause = std::min(kLongestClaimPause, kFirstClaimPause * (1 << (attempt - 1)));
        const auto until = std::min(Clock::now() + pause, opts.deadline);
        std::this_thread::sleep_until(until);
    }
    return last.with_context("after " + std::to_string(kMaxClaimAttempts) + " attempts");
}

// Claims one directory name: stored fresh, taken over (this run's claim), or another dump's.
Result<ClaimHow> claim_one(const S3Client& client, const std::string& key_dir, const DumpInfo& dump,
                           const CallOptions& opts) {
    const std::string key = key_dir + "/" + std::string(dump_claim_name);
    const std::string body = dump_claim_body(key_dir, dump);
    const std::string md5 = md5_hex(body);
    // A claim that vanishes between the two conditions (removed by hand) is claimed afresh.
    for (int round = 0; round < 3; ++round) {
        Result<Put> fresh = put_claim(client, key, body, "If-None-Match: *", opts);
        if (!fresh.is_ok()) return fresh.take_status();
        if (fresh.value() == Put::stored) return ClaimHow::fresh;
        // Without an MD5 (an OpenSSL that refuses it) this run cannot prove a claim is its own:
        // the name counts as taken and the next one is tried.
        if (md5.empty()) return ClaimHow::taken;
        // RGW compares If-Match with the ETag as it stores it, without quotes; HTTP's own form,
        // which other stores expect, is quoted.
        bool vanished = false;
        for (const std::string& tag : {md5, "\"" + md5 + "\""}) {
            Result<Put> ours = put_claim(client, key, body, "If-Match: " + tag, opts);
            if (!ours.is_ok()) return ours.take_status();
            if (ours.value() == Put::stored) return ClaimHow::taken_over;
            if (ours.value() == Put::vanished) {
                vanished = true;
                break;
            }
        }
        if (!vanished) return ClaimHow::taken;
    }
    return ClaimHow::taken;
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

std::vector<std::string> dump_dir_candidates(const std::string& key_dir) {
    std::string boot = boot_id().substr(0, 8);
    std::vector<std::string> names{key_dir, key_dir + "-" + boot};
    for (int run = 2; run <= kMaxRunsPerBoot; ++run) names.push_back(key_dir + "-" + boot + "-" + std::to_string(run));
    return names;
}

Result<DumpClaim> claim_dump_dir(const S3Client& client, const std::string& key_dir, const DumpInfo& dump,
                                 const CallOptions& opts) {
    const std::vector<std::string> names = dump_dir_candidates(key_dir);
    for (const std::string& name : names) {
        Result<ClaimHow> how = claim_one(client, name, dump, opts);
        if (!how.is_ok()) return how.take_status();
        if (how.value() != ClaimHow::taken) return DumpClaim{name, how.value()};
    }
    return Status::from_errno(EEXIST, "s3: " + client.object_name(key_dir + "/") + " and " +
                                          std::to_string(names.size() - 1) +
                                          " other names for it belong to other dumps (their " + std::string(dump_claim_name) +
                                          " is not this run's); refusing to write over them; give [chain] name a {date}, "
                                          "or remove old dumps of this name");
}

}  // namespace kdf::s3
