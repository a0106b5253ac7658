// s3_url.h - "s3://BUCKET/KEY" as the after-reboot commands take it.
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::s3 {

struct S3Url {
    std::string bucket;
    std::string key;  // may be "" (the whole bucket) or end in '/' (a prefix)
};

// Code::invalid_config naming `text` when it is not s3://BUCKET[/KEY] with a valid bucket name.
Result<S3Url> parse_s3_url(const std::string& text);

}  // namespace kdf::s3
