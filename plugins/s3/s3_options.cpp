// s3_options.cpp - option table and cross-field rules of the `s3` transport.
#include "s3_options.h"

#include "kdf/target_options.h"

namespace kdf::s3 {

std::vector<OptionSpec> s3_option_specs() {
    return {
        {"endpoint", OptionType::string, true, "", "http://host[:port] or https://host[:port] of the S3 service", ""},
        {"bucket", OptionType::string, true, "", "existing bucket the dumps go into", ""},
        {"prefix", OptionType::string, false, "",
         "key prefix of this node's dumps (default: the host name): <prefix>/<host>-<date>/vmcore.flat", ""},
        {"region", OptionType::string, false, "us-east-1", "region named in the request signature", ""},
        {"credentials_file", OptionType::path, true, "",
         "file with access_key = ... and secret_key = ... lines; owned by root, mode 0600 or 0400", ""},
        {"ca_file", OptionType::path, false, "", "CA bundle that verifies an https endpoint (default: the system's)", ""},
        {"verify_tls", OptionType::boolean, false, "yes", "verify the https endpoint's certificate (no: warns on every use)", ""},
        {"addressing", OptionType::choice, false, "path",
         "path: http://host/bucket/key (Ceph RGW, MinIO); virtual: http://bucket.host/key (AWS)", "path|virtual"},
        {"part_size", OptionType::size, false, "8M", "bytes per multipart part (5M-512M)", ""},
        {"parts_in_flight", OptionType::integer, false, "4",
         "parts uploaded at once (1-64); memory is part_size x (parts_in_flight + 1)", ""},
        {"request_timeout", OptionType::duration, false, "2m", "longest a single HTTP request may take", ""},
    };
}

std::string S3Options::display() const { return scheme + "://" + authority + "/" + bucket; }

std::string S3Options::bucket_url() const {
    return path_style ? scheme + "://" + authority + "/" + bucket : scheme + "://" + bucket + "." + authority;
}

std::string S3Options::host_header() const { return path_style ? authority : bucket + "." + authority; }

std::string S3Options::canonical_path(const std::string& encoded_key) const {
    std::string p = path_style ? "/" + bucket : std::string();
    if (!encoded_key.empty() || p.empty()) p += "/" + encoded_key;
    return p;
}

bool is_valid_bucket_name(const std::string& name) {
    if (name.size() < 3 || name.size() > 63) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
    return name.front() != '-' && name.front() != '.' && name.back() != '-' && name.back() != '.';
}

namespace {

// Splits "https://host:port[/]" into scheme, authority and host; false when it is not that shape.
bool split_endpoint(const std::string& url, S3Options& o) {
    const size_t sep = url.find("://");
    if (sep == std::string::npos) return false;
    o.scheme = lower(url.substr(0, sep));
    if (o.scheme != "http" && o.scheme != "https") return false;
    std::string rest = url.substr(sep + 3);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) return false;
    o.authority = rest;
    if (rest.front() == '[') {
        const size_t close = rest.find(']');
        if (close == std::string::npos) return false;
        o.host = rest.substr(1, close - 1);
    } else {
        o.host = rest.substr(0, rest.find(':'));
    }
    return !o.host.empty();
}

}  // namespace

Result<S3Options> parse_s3_options(const TargetConfig& target) {
    const std::vector<OptionSpec> specs = s3_option_specs();
    S3Options o;
    const std::string endpoint = option_value(target, specs, "endpoint");
    if (!split_endpoint(endpoint, o))
        return option_error(target, "s3", "endpoint",
                            "endpoint '" + endpoint + "' is not http://host[:port] or https://host[:port] (no path)");
    o.bucket = option_value(target, specs, "bucket");
    if (!is_valid_bucket_name(o.bucket))
        return option_error(target, "s3", "bucket",
                            "bucket '" + o.bucket + "' is not a bucket name (3-63 of a-z 0-9 . -)");
    o.prefix = option_value(target, specs, "prefix");
    while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
    if (o.prefix.find("..") != std::string::npos || (!o.prefix.empty() && o.prefix.front() == '/'))
        return option_error(target, "s3", "prefix", "prefix '" + o.prefix + "' must not start with '/' or hold '..'");
    o.region = option_value(target, specs, "region");
    if (o.region.empty() || o.region.find_first_of("/ \t") != std::string::npos)
        return option_error(target, "s3", "region", "region '" + o.region + "' is not a region name");
    o.credentials_file = option_value(target, specs, "credentials_file");
    if (o.credentials_file.empty() || o.credentials_file.front() != '/')
        return option_error(target, "s3", "credentials_file", "credentials_file must be an absolute path");
    o.ca_file = option_value(target, specs, "ca_file");
    if (!o.ca_file.empty() && o.ca_file.front() != '/')
        return option_error(target, "s3", "ca_file", "ca_file must be an absolute path");
    auto verify = parse_bool(option_value(target, specs, "verify_tls"));
    if (!verify) return option_error(target, "s3", "verify_tls", "verify_tls must be yes or no");
    o.verify_tls = *verify;
    if (o.scheme == "http" && !o.ca_file.empty())
        return option_error(target, "s3", "ca_file", "ca_file is set but the endpoint is http://, which has no TLS");
    o.path_style = option_value(target, specs, "addressing") != "virtual";
    if (!o.path_style && o.bucket.find('.') != std::string::npos && o.scheme == "https")
        return option_error(target, "s3", "addressing",
                            "a bucket name with '.' cannot be a TLS host name; use addressing = path");

    const std::string part_text = option_value(target, specs, "part_size");
    auto part = parse_size(part_text);
    if (!part || *part < (5ull << 20) || *part > (512ull << 20))
        return option_error(target, "s3", "part_size",
                            "part_size '" + part_text + "' must be from 5M (the S3 minimum) to 512M");
    o.part_size = *part;
    const std::string inflight_text = option_value(target, specs, "parts_in_flight");
    auto inflight = parse_integer(inflight_text);
    if (!inflight || *inflight < 1 || *inflight > 64)
        return option_error(target, "s3", "parts_in_flight",
                            "parts_in_flight '" + inflight_text + "' is not an integer from 1 to 64");
    o.parts_in_flight = static_cast<uint32_t>(*inflight);
    const std::string timeout_text = option_value(target, specs, "request_timeout");
    auto timeout = parse_duration_ms(timeout_text);
    if (!timeout) return option_error(target, "s3", "request_timeout", "request_timeout '" + timeout_text + "' is not a duration");
    o.request_timeout_ms = *timeout;
    return o;
}

}  // namespace kdf::s3
