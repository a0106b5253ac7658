// s3_client.cpp - signed S3 requests over libcurl and the mapping of their failures.
#include "s3_client.h"

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ctime>

namespace kdf::s3 {

namespace {

constexpr size_t kMaxKeptBody = 1u << 20;
constexpr long kConnectTimeoutCapMs = 30'000;

// The part of a curl error that says which stage failed: reaching the server, or trusting it.
Status curl_error_status(const std::string& where, CURLcode code, const std::string& detail, const S3Options& o) {
    const std::string text = detail.empty() ? curl_easy_strerror(code) : detail;
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        // Retryable: a gateway restarting refuses connections for a moment (parts are retried).
        return Status::from_errno(ECONNREFUSED, "s3: " + where + ": " + text)
            .with_stage(Stage::connect)
            .with_retryable(true);
    case CURLE_COULDNT_RESOLVE_HOST:
        return Status::error(Code::system, "s3: " + where + ": " + text + "; is the name in the crash kernel's hosts?")
            .with_stage(Stage::connect);
    case CURLE_OPERATION_TIMEDOUT:
        return Status::error(Code::timeout, "s3: " + where + ": no answer in time (" + text + ")").with_retryable(true);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
        return Status::error(Code::auth, "s3: " + where + ": TLS: " + text +
                                             (o.ca_file.empty() ? std::string("; set ca_file to the CA that signed the endpoint's certificate")
                                                                : "; does ca_file " + o.ca_file + " hold the CA that signed it?"))
            .with_stage(Stage::auth);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return Status::from_errno(ECONNRESET, "s3: " + where + ": " + text);
    default:
        return Status::error(Code::system, "s3: " + where + ": " + text);
    }
}

Status http_error_status(const std::string& where, const S3Response& r, const S3Client& c, bool reading) {
    const std::string code = xml_value(r.body, "Code");
    const std::string message = xml_value(r.body, "Message");
    std::string said = "HTTP " + std::to_string(r.http_status);
    if (!code.empty()) said += " " + code;
    if (!message.empty() && message != code) said += ": " + message;
    const std::string head = "s3: " + where + ": " + said;
    const S3Options& o = c.options();
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "AuthorizationHeaderMalformed" ||
        code == "RequestTimeTooSkewed")
        return Status::error(Code::auth, head + "; the server refused the keys of access key " + c.access_key() +
                                             " (check secret_key in " + o.credentials_file +
                                             (code == "RequestTimeTooSkewed" ? ", and this machine's clock)" : ")"))
            .with_stage(Stage::auth);
    if ((r.http_status == 403 || code == "AccessDenied") && reading)
        return Status::error(Code::auth, head + "; access key " + c.access_key() +
                                             " may not read here (a node's put-only keys cannot): use keys with read rights")
            .with_stage(Stage::auth);
    if (r.http_status == 403 || code == "AccessDenied")
        return Status::error(Code::auth, head + "; the bucket policy must allow access key " + c.access_key() +
                                             " s3:PutObject (with its multipart calls) under the prefix")
            .with_stage(Stage::auth);
    if (code == "NoSuchBucket")
        return Status::error(Code::not_found, head + "; create bucket '" + o.bucket + "' first").with_stage(Stage::connect);
    if (r.http_status == 404) return Status::error(Code::not_found, head);
    if (r.http_status >= 500 || r.http_status == 408 || r.http_status == 429)
        return Status::error(Code::system, head).with_retryable(true);
    return Status::error(Code::system, head);
}

}  // namespace

std::string xml_value(std::string_view xml, std::string_view tag, size_t from) {
    const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
    const size_t a = xml.find(open, from);
    if (a == std::string_view::npos) return {};
    const size_t b = xml.find(close, a + open.size());
    if (b == std::string_view::npos) return {};
    return std::string(xml.substr(a + open.size(), b - a - open.size()));
}

HttpCall::HttpCall(const S3Client& client, S3Request request, std::chrono::milliseconds timeout)
    : client_(client), request_(std::move(request)), easy_(curl_easy_init()) {
    if (!easy_) throw std::bad_alloc();
    const S3Options& o = client.options();
    const std::string encoded_key = uri_encode(request_.key, true);
    const std::string path = o.canonical_path(encoded_key);
    const std::string query = SigV4Signer::canonical_query(request_.query);
    // Path style: http://authority/bucket/key; virtual: http://bucket.authority/key. Either way the
    // URL's host is the Host header curl sends, which is what gets signed.
    url_ = o.scheme + "://" + o.host_header() + path + (query.empty() ? "" : "?" + query);

    SigningInput in;
    in.method = request_.method;
    in.canonical_path = path;
    in.query = request_.query;
    in.host = o.host_header();
    in.payload_hash = request_.payload_hash.empty() ? sha256_hex(request_.body) : request_.payload_hash;
    in.amz_headers = request_.amz_headers;
    auto add = [&](const std::string& h) {
        // curl_slist_append returns the list's head (a new one for an empty list), or null and
        // leaves the list alone when it cannot allocate.
        curl_slist* head = curl_slist_append(headers_.get(), h.c_str());
        if (!head) throw std::bad_alloc();
        if (!headers_) headers_.reset(head);
    };
    for (const std::string& h : client.signer().sign(in, std::time(nullptr))) add(h);
    for (const std::string& h : request_.headers) add(h);

    CURL* h = easy_.get();
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &HttpCall::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &HttpCall::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<int64_t>(1, timeout.count())));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min(kConnectTimeoutCapMs, static_cast<long>(std::max<int64_t>(1, timeout.count()))));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, o.scheme == "https" ? "https" : "http");
    if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.verify_tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (request_.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request_.method == "PUT" || request_.method == "POST") {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, &HttpCall::on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, this);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
        if (request_.method == "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
    } else if (request_.method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request_.method.c_str());
    }
}

size_t HttpCall::on_body(char* data, size_t size, size_t n, void* self) noexcept {
    auto* call = static_cast<HttpCall*>(self);
    const size_t bytes = size * n;
    const bool ok_answer = call->response_.http_status / 100 == 2;
    if (call->request_.consume && ok_answer) {
        try {
            return call->request_.consume(std::as_bytes(std::span(data, bytes))) ? bytes : 0;
        } catch (...) {
            return 0;
        }
    }
    std::string& body = call->response_.body;
    if (body.size() < kMaxKeptBody) body.append(data, std::min(bytes, kMaxKeptBody - body.size()));
    return bytes;
}

size_t HttpCall::on_header(char* data, size_t size, size_t n, void* self) noexcept {
    auto* call = static_cast<HttpCall*>(self);
    const size_t bytes = size * n;
    std::string_view line(data, bytes);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
        // A new status line (after "100 Continue" or a redirect) starts a new answer.
        const size_t sp = line.find(' ');
        call->response_.http_status = sp == std::string_view::npos ? 0 : std::strtol(line.data() + sp + 1, nullptr, 10);
        return bytes;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bytes;
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "etag") call->response_.etag.assign(value);
    else if (name == "content-range") call->response_.content_range.assign(value);
    else if (name == "content-length") {
        const std::string digits(value);
        char* end = nullptr;
        errno = 0;
        const unsigned long long length = std::strtoull(digits.c_str(), &end, 10);
        const bool numeric = !digits.empty() && std::isdigit(static_cast<unsigned char>(digits.front())) && end &&
                             *end == '\0' && errno == 0;
        call->response_.content_length = numeric ? length : 0;
        call->response_.has_content_length = numeric;
    }
    return bytes;
}

size_t HttpCall::on_read(char* out, size_t size, size_t n, void* self) noexcept {
    auto* call = static_cast<HttpCall*>(self);
    const size_t left = call->request_.body.size() - call->sent_;
    const size_t bytes = std::min(left, size * n);
    if (bytes) std::memcpy(out, call->request_.body.data() + call->sent_, bytes);
    call->sent_ += bytes;
    return bytes;
}

void HttpCall::finish(CURLcode code) {
    response_.curl_code = code;
    response_.curl_error = error_;
}

Status HttpCall::status() const {
    const std::string where = request_.what + " at " + client_.options().display();
    if (response_.curl_code != CURLE_OK)
        return curl_error_status(where, response_.curl_code, response_.curl_error, client_.options());
    const bool reading = request_.method == "GET" || request_.method == "HEAD";
    if (response_.http_status / 100 != 2) return http_error_status(where, response_, client_, reading);
    return Status::ok();
}

S3Client::S3Client(S3Options options, S3Credentials credentials)
    : options_(std::move(options)),
      access_key_(credentials.access_key),
      signer_(std::move(credentials.access_key), std::move(credentials.secret_key), options_.region) {}

std::unique_ptr<HttpCall> S3Client::prepare(S3Request request, const CallOptions& opts) const {
    std::chrono::milliseconds timeout(options_.request_timeout_ms ? options_.request_timeout_ms : 24ull * 3600 * 1000);
    timeout = std::min(timeout, std::chrono::milliseconds(opts.remaining_ms()));
    return std::make_unique<HttpCall>(*this, std::move(request), timeout);
}

Result<S3Response> S3Client::perform(S3Request request, const CallOptions& opts) const {
    if (opts.expired())
        return Status::error(Code::timeout, "s3: " + request.what + " at " + options_.display() + ": no time left");
    std::unique_ptr<HttpCall> call = prepare(std::move(request), opts);
    call->finish(curl_easy_perform(call->handle()));
    if (Status s = call->status(); !s.is_ok()) return s;
    return std::move(call->response());
}

}  // namespace kdf::s3
