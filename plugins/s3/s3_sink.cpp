// s3_sink.cpp - a dump as one multipart upload (see s3_sink.h).
#include "s3_sink.h"

#include <chrono>
#include <cstring>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/size_text.h"
#include "dump_claim.h"

namespace kdf::s3 {

namespace {

// Clean-up after a failure (abort, marker) gets this long at most: the server may be the problem.
constexpr std::chrono::seconds cleanup_bound{5};

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

// CreateMultipartUpload for `key`: its UploadId.
Result<std::string> start_upload(const S3Client& client, const std::string& key, const CallOptions& opts) {
    S3Request r;
    r.what = "starting the upload of " + key;
    r.method = "POST";
    r.key = key;
    r.query = {{"uploads", ""}};
    r.amz_headers = {owner_control()};
    Result<S3Response> started = client.perform(std::move(r), opts);
    if (!started.is_ok()) return started.take_status();
    std::string upload_id = xml_value(started->body, "UploadId");
    if (upload_id.empty())
        return Status::error(Code::system, "s3: starting the upload of " + key + " at " + client.options().display() +
                                               ": the answer holds no UploadId");
    return upload_id;
}

// AbortMultipartUpload, best effort: the server drops what was uploaded (nothing was, here).
void drop_upload(const S3Client& client, const std::string& key, const std::string& upload_id, const CallOptions& opts) {
    S3Request drop;
    drop.what = "aborting the upload of " + key;
    drop.method = "DELETE";
    drop.key = key;
    drop.query = {{"uploadId", upload_id}};
    (void)client.perform(std::move(drop), cleanup_options(opts, cleanup_bound));
}

}  // namespace

Result<std::unique_ptr<Sink>> S3Sink::open(std::unique_ptr<S3Client> client, const std::string& key_dir,
                                           const DumpInfo& dump, const CallOptions& opts) {
    if (Status s = check_dump_names("s3", dump); !s.is_ok()) return s;
    // Started first: it proves the keys and the bucket and creates nothing visible.
    std::string key = key_dir + "/" + dump.final_name;
    Result<std::string> upload_id = start_upload(*client, key, opts);
    if (!upload_id.is_ok()) return upload_id.take_status();
    // The directory is claimed before anything goes into it (vmcore-dmesg.txt comes next); a
    // directory another dump holds is left exactly as it is, and the dump takes the next free name.
    Result<DumpClaim> claim = claim_dump_dir(*client, key_dir, dump, opts);
    if (!claim.is_ok()) {
        drop_upload(*client, key, upload_id.value(), opts);
        return claim.take_status();
    }
    if (claim->key_dir != key_dir) {
        drop_upload(*client, key, upload_id.value(), opts);
        key = claim->key_dir + "/" + dump.final_name;
        upload_id = start_upload(*client, key, opts);
        if (!upload_id.is_ok()) return upload_id.take_status();
    }
    auto sink = std::make_unique<S3Sink>(std::move(client), claim->key_dir, dump.final_name,
                                         std::move(upload_id).value(), dump.size_hint);
    sink->taken_over_ = claim->how == ClaimHow::taken_over;
    return std::unique_ptr<Sink>(std::move(sink));
}

S3Sink::S3Sink(std::unique_ptr<S3Client> client, std::string key_dir, std::string final_name, std::string upload_id,
               uint64_t size_hint)
    : SinkBase("s3", final_name, "s3://" + client->options().bucket + "/" + key_dir + "/" + std::string(incomplete_dump_name)),
      client_(std::move(client)),
      key_dir_(std::move(key_dir)),
      key_(key_dir_ + "/" + final_name),
      upload_id_(std::move(upload_id)) {
    const S3Options& o = client_->options();
    window_ = std::make_unique<PartWindow>(*client_, key_, upload_id_,
                                           PartSchedule(o.part_size, size_hint, o.parts_in_flight), o.parts_in_flight);
}

S3Sink::~S3Sink() { abort_if_writing(cleanup_bound); }

Status S3Sink::do_append(std::span<const std::byte> data, const CallOptions& opts) {
    while (!data.empty()) {
        std::vector<std::byte>& buf = window_->filling();
        const size_t room = window_->part_size() - buf.size();
        const size_t n = std::min(room, data.size());
        buf.insert(buf.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        data = data.subspan(n);
        appended_ += n;
        if (buf.size() == window_->part_size())
            if (Status s = window_->send(opts); !s.is_ok()) return s;
    }
    return window_->poll(opts);
}

Status S3Sink::put_object(const std::string& name, std::span<const std::byte> data, const CallOptions& opts) {
    S3Request r;
    r.what = "writing " + key_dir_ + "/" + name;
    r.method = "PUT";
    r.key = key_dir_ + "/" + name;
    r.body = data;
    r.amz_headers = {owner_control()};
    Result<S3Response> put = client_->perform(std::move(r), opts);
    return put.is_ok() ? Status::ok() : put.take_status();
}

Status S3Sink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    return put_object(std::string(name), data, opts);
}

Status S3Sink::do_commit(const CallOptions& opts) {
    // The last part may be short; an empty dump still needs one (empty) part.
    if (!window_->filling().empty() || window_->parts_sent() == 0)
        if (Status s = window_->send(opts); !s.is_ok()) return s;
    if (Status s = window_->drain(opts); !s.is_ok()) return s;
    const std::string xml = window_->completion_xml();
    S3Request r;
    r.what = "completing the upload of " + key_ + " (" + std::to_string(window_->parts_acked()) + " parts, " +
             size_text(window_->bytes_acked()) + ")";
    r.method = "POST";
    r.key = key_;
    r.query = {{"uploadId", upload_id_}};
    r.body = bytes_of(xml);
    // The directory's claim (taken in open()) is what keeps another dump's object from being
    // replaced here; the condition is a second guard on stores that evaluate it on this call
    // (Ceph RGW 16 ignores it). Not when this run took its own claim over: an earlier target's
    // Complete may have gone through on the server while its answer was lost, and this run owns
    // that object; a store that honours the condition would refuse the whole dump after minutes.
    r.headers = {"Content-Type: application/xml"};
    if (!taken_over_) r.headers.push_back("If-None-Match: *");
    Result<S3Response> done = client_->perform(std::move(r), opts);
    if (!done.is_ok()) return done.take_status();
    // S3 may answer 200 and still report an error in the body of a CompleteMultipartUpload.
    if (done->body.find("<Error>") != std::string::npos)
        return Status::error(Code::system, "s3: completing the upload of " + key_ + ": " + xml_value(done->body, "Code") +
                                               ": " + xml_value(done->body, "Message"));
    completed_ = true;
    set_location(client_->object_name(key_));
    return Status::ok();
}

Status S3Sink::do_abort(const CallOptions& opts) {
    if (completed_) return Status::ok();
    const CallOptions cleanup = cleanup_options(opts, cleanup_bound);
    const uint32_t acked = window_->parts_acked();
    const uint64_t acked_bytes = window_->bytes_acked();
    window_->cancel();
    S3Request r;
    r.what = "aborting the upload of " + key_;
    r.method = "DELETE";
    r.key = key_;
    r.query = {{"uploadId", upload_id_}};
    Result<S3Response> aborted = client_->perform(std::move(r), cleanup);
    const std::string marker = "dump incomplete: " + std::to_string(appended_) + " bytes of the dump stream written, " +
                               std::to_string(acked) + " parts (" + std::to_string(acked_bytes) +
                               " bytes) acknowledged by the server, then the dump was aborted\n" + "object: " +
                               client_->object_name(key_) + " (never completed)\n" + "upload id: " + upload_id_ + " (" +
                               (aborted.is_ok() ? "aborted" : "abort failed: remove it with AbortMultipartUpload") + ")\n";
    Status marked = put_object(std::string(incomplete_dump_name), bytes_of(marker), cleanup_options(opts, cleanup_bound));
    if (!aborted.is_ok()) return aborted.take_status();
    return marked;
}

}  // namespace kdf::s3
