// sigv4_signer.cpp - AWS Signature Version 4 on OpenSSL.
#include "sigv4_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace kdf::s3 {

namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

std::string hex(const unsigned char* p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    return out;
}

Digest hmac(const void* key, size_t key_len, std::string_view msg) {
    Digest out{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key, static_cast<int>(key_len), reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
             out.data(), &len) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
    return out;
}

}  // namespace

std::string sha256_hex(std::span<const std::byte> data) {
    Digest d{};
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
    return hex(d.data(), d.size());
}

std::string sha256_hex(std::string_view data) { return sha256_hex(std::as_bytes(std::span(data.data(), data.size()))); }

std::string md5_hex(std::string_view data) {
    std::array<unsigned char, MD5_DIGEST_LENGTH> d{};
    unsigned int len = 0;
    // An OpenSSL in FIPS mode has no MD5: the caller gets "" and does without.
    const EVP_MD* md5 = EVP_md5();
    if (md5 == nullptr || EVP_Digest(data.data(), data.size(), d.data(), &len, md5, nullptr) != 1) return {};
    return hex(d.data(), len);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                                c == '_' || c == '.' || c == '~';
        if (unreserved || (keep_slash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

SigV4Signer::SigV4Signer(std::string access_key, std::string secret_key, std::string region)
    : access_key_(std::move(access_key)), secret_key_(std::move(secret_key)), region_(std::move(region)) {}

std::string SigV4Signer::canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k + "=" + v;
    }
    return out;
}

std::vector<std::string> SigV4Signer::sign(const SigningInput& in, std::time_t now) const {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char amz_date[17], date[9];
    std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    std::strftime(date, sizeof date, "%Y%m%d", &tm);

    // Canonical headers: lower-case names, sorted, each "name:value\n"; the signed list names them.
    std::vector<std::pair<std::string, std::string>> headers = in.amz_headers;
    headers.emplace_back("host", in.host);
    headers.emplace_back("x-amz-content-sha256", in.payload_hash);
    headers.emplace_back("x-amz-date", amz_date);
    std::sort(headers.begin(), headers.end());
    std::string canonical_headers, signed_headers;
    for (const auto& [name, value] : headers) {
        canonical_headers += name + ":" + value + "\n";
        signed_headers += (signed_headers.empty() ? "" : ";") + name;
    }
    const std::string canonical_request = in.method + "\n" + in.canonical_path + "\n" + canonical_query(in.query) +
                                          "\n" + canonical_headers + "\n" + signed_headers + "\n" + in.payload_hash;
    const std::string scope = std::string(date) + "/" + region_ + "/s3/aws4_request";
    const std::string string_to_sign =
        "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" + sha256_hex(canonical_request);

    const std::string first_key = "AWS4" + secret_key_;
    Digest k = hmac(first_key.data(), first_key.size(), date);
    k = hmac(k.data(), k.size(), region_);
    k = hmac(k.data(), k.size(), "s3");
    k = hmac(k.data(), k.size(), "aws4_request");
    const Digest sig = hmac(k.data(), k.size(), string_to_sign);

    std::vector<std::string> out = {"x-amz-date: " + std::string(amz_date), "x-amz-content-sha256: " + in.payload_hash};
    for (const auto& [name, value] : in.amz_headers) out.push_back(name + ": " + value);
    out.push_back("Authorization: AWS4-HMAC-SHA256 Credential=" + access_key_ + "/" + scope +
                  ", SignedHeaders=" + signed_headers + ", Signature=" + hex(sig.data(), sig.size()));
    return out;
}

}  // namespace kdf::s3
