// part_window.cpp - UploadPart requests kept in flight over a curl multi handle.
#include "part_window.h"

#include <algorithm>
#include <chrono>
#include <new>

namespace kdf::s3 {

namespace {

// A restarting server refuses connections for a few seconds: retries spread over ~12 s.
constexpr uint32_t kMaxAttempts = 8;
constexpr std::chrono::milliseconds kFirstPause{250};
constexpr std::chrono::milliseconds kLongestPause{2000};
constexpr int kPollSliceMs = 200;

}  // namespace

PartWindow::PartWindow(const S3Client& client, std::string key, std::string upload_id, PartSchedule schedule,
                       uint32_t connections)
    : client_(client),
      key_(std::move(key)),
      upload_id_(std::move(upload_id)),
      schedule_(schedule),
      multi_(curl_multi_init()) {
    if (!multi_) throw std::bad_alloc();
    // One connection per part in flight; curl reuses them from part to part.
    curl_multi_setopt(multi_.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(connections));
    filling_.reserve(part_size());
}

PartWindow::~PartWindow() { cancel(); }

void PartWindow::cancel() noexcept {
    for (auto& p : parts_)
        if (p->call) curl_multi_remove_handle(multi_.get(), p->call->handle());
    parts_.clear();
}

PartWindow::Part* PartWindow::find(CURL* handle) noexcept {
    for (auto& p : parts_)
        if (p->call && p->call->handle() == handle) return p.get();
    return nullptr;
}

Status PartWindow::start(Part& part, const CallOptions& opts) {
    S3Request r;
    r.what = "upload part " + std::to_string(part.number) + " of " + key_;
    r.method = "PUT";
    r.key = key_;
    r.query = {{"partNumber", std::to_string(part.number)}, {"uploadId", upload_id_}};
    r.body = part.data;
    r.payload_hash = part.sha256;
    // The transfer outlives this call: it gets the whole request_timeout, not opts' deadline.
    CallOptions unbounded = opts;
    unbounded.deadline = Clock::time_point::max();
    part.call = client_.prepare(std::move(r), unbounded);
    ++part.attempts;
    if (CURLMcode m = curl_multi_add_handle(multi_.get(), part.call->handle()); m != CURLM_OK) {
        part.call.reset();
        return Status::error(Code::system, std::string("s3: curl_multi_add_handle: ") + curl_multi_strerror(m));
    }
    return Status::ok();
}

Status PartWindow::collect(const CallOptions& opts) {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        Part* part = find(msg->easy_handle);
        if (!part) continue;
        part->call->finish(msg->data.result);
        curl_multi_remove_handle(multi_.get(), part->call->handle());
        Status s = part->call->status();
        if (s.is_ok() && part->call->response().etag.empty())
            s = Status::error(Code::system, "s3: upload part " + std::to_string(part->number) + " of " + key_ +
                                                ": the server's answer has no ETag");
        if (s.is_ok()) {
            if (etags_.size() < part->number) etags_.resize(part->number);
            etags_[part->number - 1] = part->call->response().etag;
            ++acked_parts_;
            acked_bytes_ += part->data.size();
            part->data.clear();
            spare_.push_back(std::move(part->data));
            std::erase_if(parts_, [&](const std::unique_ptr<Part>& p) { return p.get() == part; });
            opts.report_progress(acked_bytes_);
            continue;
        }
        part->call.reset();
        if (!s.retryable() || part->attempts >= kMaxAttempts) {
            failed_ = s.with_context(part->attempts > 1 ? "after " + std::to_string(part->attempts) + " attempts" : "");
            return failed_;
        }
        auto pause = std::min(kLongestPause, kFirstPause * (1u << std::min(part->attempts - 1, 4u)));
        part->retry_at = Clock::now() + pause;
    }
    return Status::ok();
}

Status PartWindow::stalled(const CallOptions& opts) const {
    (void)opts;
    std::string which;
    for (const auto& p : parts_) which += (which.empty() ? "" : ",") + std::to_string(p->number);
    return Status::error(Code::timeout, "s3: " + client_.object_name(key_) + ": parts " + which +
                                            " not acknowledged by " + client_.options().display() + " in time")
        .with_retryable(true);
}

template <class Done>
Status PartWindow::drive(const CallOptions& opts, Done&& done) {
    for (;;) {
        if (!failed_.is_ok()) return failed_;
        const auto now = Clock::now();
        Clock::time_point next_retry = Clock::time_point::max();
        for (auto& p : parts_) {
            if (p->call) continue;
            if (p->retry_at <= now) {
                if (Status s = start(*p, opts); !s.is_ok()) return failed_ = s;
            } else {
                next_retry = std::min(next_retry, p->retry_at);
            }
        }
        int running = 0;
        if (CURLMcode m = curl_multi_perform(multi_.get(), &running); m != CURLM_OK)
            return failed_ = Status::error(Code::system, std::string("s3: curl_multi_perform: ") + curl_multi_strerror(m));
        if (Status s = collect(opts); !s.is_ok()) return s;
        if (done()) return Status::ok();
        if (opts.expired()) return stalled(opts);
        int wait_ms = std::min(kPollSliceMs, opts.remaining_ms());
        if (next_retry != Clock::time_point::max()) {
            auto until = std::chrono::duration_cast<std::chrono::milliseconds>(next_retry - Clock::now()).count();
            wait_ms = std::clamp(static_cast<int>(until), 0, wait_ms);
        }
        if (CURLMcode m = curl_multi_poll(multi_.get(), nullptr, 0, wait_ms, nullptr); m != CURLM_OK)
            return failed_ = Status::error(Code::system, std::string("s3: curl_multi_poll: ") + curl_multi_strerror(m));
    }
}

Status PartWindow::send(const CallOptions& opts) {
    if (!failed_.is_ok()) return failed_;
    if (next_part_ > kMaxParts)
        return failed_ = Status::error(Code::no_space, "s3: " + client_.object_name(key_) + ": part " +
                                                           std::to_string(next_part_) + " is beyond S3's limit of " +
                                                           std::to_string(kMaxParts) + " parts per object");
    const uint32_t window = schedule_.in_flight_for(part_size());
    if (Status s = drive(opts, [&] { return parts_.size() < window; }); !s.is_ok()) return s;
    auto part = std::make_unique<Part>();
    part->number = next_part_;
    part->data = std::move(filling_);
    part->sha256 = sha256_hex(part->data);
    parts_.push_back(std::move(part));
    ++next_part_;
    // A buffer of an acknowledged part is reused only if it is as large as the next part: once
    // parts grow, smaller ones are freed, so memory holds no buffers beyond the window.
    const uint64_t next_size = part_size();
    std::erase_if(spare_, [&](const std::vector<std::byte>& b) { return b.capacity() < next_size; });
    if (!spare_.empty()) {
        filling_ = std::move(spare_.back());
        spare_.pop_back();
    } else {
        filling_ = std::vector<std::byte>();
        filling_.reserve(next_size);
    }
    if (Status s = start(*parts_.back(), opts); !s.is_ok()) return failed_ = s;
    return poll(opts);
}

Status PartWindow::poll(const CallOptions& opts) {
    if (!failed_.is_ok()) return failed_;
    int running = 0;
    if (CURLMcode m = curl_multi_perform(multi_.get(), &running); m != CURLM_OK)
        return failed_ = Status::error(Code::system, std::string("s3: curl_multi_perform: ") + curl_multi_strerror(m));
    return collect(opts);
}

Status PartWindow::drain(const CallOptions& opts) {
    return drive(opts, [&] { return parts_.empty(); });
}

std::string PartWindow::completion_xml() const {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i)
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] + "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    return xml;
}

}  // namespace kdf::s3
