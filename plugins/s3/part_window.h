// part_window.h - the parts of one multipart upload, several in flight over a curl multi handle.
//
// The sink fills one part buffer at a time (filling()); send() hands it to an UploadPart request
// signed with the part's own SHA-256 and gives the sink another buffer. Part sizes grow as the
// upload goes and fewer parts are on the wire as they do (PartSchedule): send() waits for one to
// be acknowledged before starting another, so the memory held stays bounded whatever the dump's
// size, and the upload never needs more than S3's 10,000 parts. A part is kept until
// the server answered 200 with its ETag; a part that failed in a way worth retrying (connection
// refused or reset, a 5xx, a transfer timeout: the server restarting) is sent again after a short
// pause, with a fresh signature, until it succeeds, a retry limit is reached or the caller's
// deadline passes. Any other failure is final, and every later call returns it.
//
// Threads: one thread (the sink's); curl's multi interface does the concurrency.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "part_schedule.h"
#include "s3_client.h"

namespace kdf::s3 {

class PartWindow {
public:
    PartWindow(const S3Client& client, std::string key, std::string upload_id, PartSchedule schedule,
               uint32_t connections);
    ~PartWindow();
    PartWindow(const PartWindow&) = delete;
    PartWindow& operator=(const PartWindow&) = delete;

    // The buffer being filled; send() it when it holds part_size() bytes (or at the end).
    std::vector<std::byte>& filling() noexcept { return filling_; }
    // The size of the part being filled.
    uint64_t part_size() const noexcept { return schedule_.size_of(next_part_); }

    // Starts the filled buffer as the next part, first waiting (until opts.deadline) for a free
    // place in the window. Reports acknowledged bytes through opts.report_progress.
    Status send(const CallOptions& opts);
    // Collects finished transfers without waiting; surfaces a failure early.
    Status poll(const CallOptions& opts);
    // Waits until every part sent so far is acknowledged.
    Status drain(const CallOptions& opts);
    // Stops every transfer at once (the server may never answer); the upload is then unusable.
    void cancel() noexcept;

    // The <Part> list for CompleteMultipartUpload, once drained.
    std::string completion_xml() const;
    uint32_t parts_sent() const noexcept { return next_part_ - 1; }
    uint32_t parts_acked() const noexcept { return acked_parts_; }
    uint64_t bytes_acked() const noexcept { return acked_bytes_; }

private:
    struct Part {
        uint32_t number = 0;
        std::vector<std::byte> data;
        std::string sha256;
        std::unique_ptr<HttpCall> call;  // null while it waits to be sent again
        uint32_t attempts = 0;
        Clock::time_point retry_at{};
    };

    // Drives transfers until `done()` is true, opts.deadline passes or a part fails for good.
    template <class Done>
    Status drive(const CallOptions& opts, Done&& done);
    Status start(Part& part, const CallOptions& opts);
    Status collect(const CallOptions& opts);
    Part* find(CURL* handle) noexcept;
    Status stalled(const CallOptions& opts) const;

    const S3Client& client_;
    std::string key_;
    std::string upload_id_;
    PartSchedule schedule_;
    struct MultiDeleter {
        void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
    };
    std::unique_ptr<CURLM, MultiDeleter> multi_;
    std::vector<std::unique_ptr<Part>> parts_;         // sent and not yet acknowledged
    std::vector<std::vector<std::byte>> spare_;        // buffers of acknowledged parts, for reuse
    std::vector<std::byte> filling_;
    std::vector<std::string> etags_;                   // etags_[n - 1] for part n
    uint32_t next_part_ = 1;
    uint32_t acked_parts_ = 0;
    uint64_t acked_bytes_ = 0;
    Status failed_;                                    // sticky: the first final failure
};

}  // namespace kdf::s3
