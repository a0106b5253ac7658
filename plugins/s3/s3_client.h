// s3_client.h - S3 requests over libcurl: one signed request per HttpCall, and the mapping of
// every failure (curl's or the server's XML error) to one Status that says what to fix.
//
// An HttpCall is one prepared curl easy handle with its headers, request body and response; it
// can be performed on its own (S3Client::perform) or added to a curl multi handle by the part
// window, which keeps several in flight. The body it sends is borrowed: the caller keeps it alive
// until the call is done. Responses keep at most 1 MiB of body (error XML, listings, the
// UploadId), unless the caller gives a body consumer (ranged GETs written to a file).
//
// Errors name the request ("s3: upload part 3 of node1/node1-2026-12-05-10:00:00/vmcore.flat at
// http://127.0.0.1:7480/dumps") and end with the server's code and message or curl's text, plus a
// hint when the cause is guessable. The secret never appears.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "s3_credentials.h"
#include "s3_options.h"
#include "sigv4_signer.h"

namespace kdf::s3 {

struct S3Request {
    std::string what;                                         // for messages: "upload part 3"
    std::string method;                                       // GET PUT POST DELETE HEAD
    std::string key;                                          // raw object key; "" = the bucket itself
    std::vector<std::pair<std::string, std::string>> query;   // e.g. {"uploadId", id}
    std::span<const std::byte> body;                          // borrowed, see above
    std::string payload_hash;                                 // "" = sha256 of body, computed here
    std::vector<std::string> headers;                         // extra, unsigned, e.g. "Range: bytes=0-99"
    std::vector<std::pair<std::string, std::string>> amz_headers;  // signed x-amz-* headers
    // Receives the response body when set (only for a 2xx answer; errors still go to the body).
    // Returns false to stop the transfer.
    std::function<bool(std::span<const std::byte>)> consume;
};

struct S3Response {
    long http_status = 0;
    std::string body;
    std::string etag;
    std::string content_range;
    uint64_t content_length = 0;  // the Content-Length header (a HEAD's object size)
    bool has_content_length = false;  // the answer carried a numeric Content-Length
    CURLcode curl_code = CURLE_OK;
    std::string curl_error;
};

// The deleters of curl's handles, for std::unique_ptr.
struct CurlEasyDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
struct CurlSlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

class S3Client;

// One request, prepared and signed, ready to run; owns its easy handle and header list.
class HttpCall {
public:
    HttpCall(const S3Client& client, S3Request request, std::chrono::milliseconds timeout);
    HttpCall(const HttpCall&) = delete;
    HttpCall& operator=(const HttpCall&) = delete;

    CURL* handle() const noexcept { return easy_.get(); }
    const S3Request& request() const noexcept { return request_; }
    S3Response& response() noexcept { return response_; }
    // Records curl's result for the transfer (from curl_easy_perform or the multi's message).
    void finish(CURLcode code);
    // ok for a 2xx answer; otherwise the mapped error (see the top of this file).
    Status status() const;

private:
    static size_t on_body(char* data, size_t size, size_t n, void* self) noexcept;
    static size_t on_header(char* data, size_t size, size_t n, void* self) noexcept;
    static size_t on_read(char* out, size_t size, size_t n, void* self) noexcept;

    const S3Client& client_;
    S3Request request_;
    S3Response response_;
    std::string url_;
    CurlEasy easy_;
    CurlSlist headers_;
    size_t sent_ = 0;
    char error_[CURL_ERROR_SIZE] = {};
};

class S3Client {
public:
    S3Client(S3Options options, S3Credentials credentials);

    const S3Options& options() const noexcept { return options_; }
    const std::string& access_key() const noexcept { return access_key_; }
    const SigV4Signer& signer() const noexcept { return signer_; }

    // A call for `request` whose transfer may take `opts`' remaining time, at most request_timeout.
    std::unique_ptr<HttpCall> prepare(S3Request request, const CallOptions& opts) const;
    // Prepares and runs one request to its end; the Status of a failed transfer or non-2xx answer.
    Result<S3Response> perform(S3Request request, const CallOptions& opts) const;

    // "s3://bucket/key" for people.
    std::string object_name(const std::string& key) const { return "s3://" + options_.bucket + "/" + key; }

private:
    S3Options options_;
    std::string access_key_;
    SigV4Signer signer_;
};

// What every object the plugin creates carries: the bucket's owner gets full control. Without it
// the object belongs to the node's user alone, and the owner (who reads the dumps after the reboot)
// could not read it.
inline std::pair<std::string, std::string> owner_control() { return {"x-amz-acl", "bucket-owner-full-control"}; }

// The text of the first <Tag>...</Tag> in `xml` ("" when absent). S3 answers are small and flat
// enough that this is all the XML reading the plugin needs.
std::string xml_value(std::string_view xml, std::string_view tag, size_t from = 0);

}  // namespace kdf::s3
