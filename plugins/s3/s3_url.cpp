// s3_url.cpp - parsing s3://BUCKET/KEY.
#include "s3_url.h"

#include "s3_options.h"

namespace kdf::s3 {

Result<S3Url> parse_s3_url(const std::string& text) {
    constexpr std::string_view scheme = "s3://";
    if (!text.starts_with(scheme))
        return Status::error(Code::invalid_config, "s3: '" + text + "' is not an s3://BUCKET/KEY address");
    const std::string rest = text.substr(scheme.size());
    const size_t slash = rest.find('/');
    S3Url u;
    u.bucket = rest.substr(0, slash);
    u.key = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
    if (!is_valid_bucket_name(u.bucket))
        return Status::error(Code::invalid_config, "s3: '" + u.bucket + "' in " + text + " is not a bucket name");
    return u;
}

}  // namespace kdf::s3
