// s3_credentials.h - the access key and secret of an `s3` target, read from its credentials file.
//
// The file holds two lines (blank lines and '#' comments allowed; the AWS CLI's names work too):
//     access_key = AKIA...          (or aws_access_key_id)
//     secret_key = ...              (or aws_secret_access_key)
// It must be a regular file owned by root that neither group nor others may read or write: the
// secret lets anyone write into the bucket. The secret is never put in a Status, a log line or
// probe output; messages name the file and the access key only.
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::s3 {

struct S3Credentials {
    std::string access_key;
    std::string secret_key;
};

// Reads and checks `path`. Errors are Code::auth (bad mode or owner, missing keys) or a system
// error from open/read, naming `path` and, for a bad line, its number.
Result<S3Credentials> load_credentials(const std::string& path);

}  // namespace kdf::s3
