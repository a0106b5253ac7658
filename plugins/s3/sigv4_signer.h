// sigv4_signer.h - AWS Signature Version 4 for S3 requests, on OpenSSL's SHA-256 and HMAC.
//
// Every request is signed over its method, path, sorted query, the headers host,
// x-amz-content-sha256 and x-amz-date, and the payload's SHA-256 (the real hash of each part, so
// the server rejects a part that was damaged on the way with XAmzContentSHA256Mismatch). The
// derived key depends on the date, region and service only; it is recomputed per request, which
// costs four HMACs, nothing next to hashing a part.
//
// Thread rules: a signer is immutable after construction and may be shared by threads.
#pragma once

#include <cstddef>
#include <ctime>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kdf::s3 {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::span<const std::byte> data);
std::string sha256_hex(std::string_view data);
// Lower-case hex MD5: the ETag S3 gives an object stored by one PutObject; "" when this OpenSSL
// refuses MD5 (FIPS mode).
std::string md5_hex(std::string_view data);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, everything else is
// %XX (upper case); '/' stays when `keep_slash` (object keys in the path).
std::string uri_encode(std::string_view s, bool keep_slash);

// A request as it is signed.
struct SigningInput {
    std::string method;                                     // "PUT"
    std::string canonical_path;                             // already encoded: "/bucket/a/b"
    std::vector<std::pair<std::string, std::string>> query; // raw names and values, any order
    std::string host;                                       // the Host header's value
    std::string payload_hash;                               // sha256_hex of the body
    // More x-amz-* headers to send and sign: lower-case name, value (e.g. {"x-amz-acl", ...}).
    std::vector<std::pair<std::string, std::string>> amz_headers;
};

class SigV4Signer {
public:
    SigV4Signer(std::string access_key, std::string secret_key, std::string region);

    // The headers to send: "x-amz-date: ...", "x-amz-content-sha256: ...", the amz_headers, and
    // "Authorization: ...".
    // `now` is the request time (UTC).
    std::vector<std::string> sign(const SigningInput& in, std::time_t now) const;

    // The query string in the canonical order and encoding (the URL must use exactly this).
    static std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

private:
    std::string access_key_;
    std::string secret_key_;
    std::string region_;
};

}  // namespace kdf::s3
