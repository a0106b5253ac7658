// s3_options.h - the `s3` transport's option schema (as data) and its parsed form.
//
// A target names an S3 endpoint (http:// or https://), a bucket that exists, and the key prefix
// its dumps go under (default: this host's name, so every node of a fleet writes below its own
// prefix and a bucket policy can confine each node's credentials to it). The access key and the
// secret live in `credentials_file`, never in the config: the config is world-readable on many
// systems, and its values appear in `check` output and error messages. parse_s3_options() does no
// I/O: whether the bucket exists or the keys are right is open()'s and probe()'s business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/status.h"

namespace kdf::s3 {

struct S3Options {
    std::string scheme;            // "http" or "https"
    std::string authority;         // "host[:port]" from the endpoint
    std::string host;              // host alone (IPv6 without brackets), for the crash kernel's network
    std::string bucket;
    std::string prefix;            // "" = this host's name, decided at open()
    std::string region = "us-east-1";
    std::string credentials_file;
    std::string ca_file;           // "" = the system's CA store
    bool verify_tls = true;
    bool path_style = true;        // http://host/bucket/key; false: http://bucket.host/key
    uint64_t part_size = 8ull << 20;
    uint32_t parts_in_flight = 4;
    uint64_t request_timeout_ms = 120'000;  // one HTTP request at most; the chain's deadlines also apply

    // "http://127.0.0.1:7480/bucket" for messages (never with credentials).
    std::string display() const;
    // Base URL of the bucket: scheme://authority/bucket (path style) or scheme://bucket.authority.
    std::string bucket_url() const;
    // The Host header a request carries, matching bucket_url().
    std::string host_header() const;
    // The URI path of `key` (already encoded) as signed: "/bucket/key" or "/key".
    std::string canonical_path(const std::string& encoded_key) const;
};

// The schema, in the order `kdump-failover plugins` prints it.
std::vector<OptionSpec> s3_option_specs();

// Parses and cross-checks a target's options (defaults from the schema for keys the host did not
// fill in). Errors are Code::invalid_config, one line, naming target.where_of(key).
Result<S3Options> parse_s3_options(const TargetConfig& target);

// Whether `name` is a bucket name S3 accepts (3-63 characters: lower-case letters, digits, '-', '.').
bool is_valid_bucket_name(const std::string& name);

}  // namespace kdf::s3
