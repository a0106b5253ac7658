// s3_transport.h - the `s3` transport: dumps into an S3 bucket (Ceph RADOS Gateway, AWS S3, any
// compatible store) as multipart uploads over libcurl, signed with AWS Signature V4.
//
// Capabilities: needs_network; durable_sync (CompleteMultipartUpload returns once the server holds
// the object). Not positional_write: an object is written front to back, so the core sends the
// flattened stream. Not atomic_commit either, although nothing ever appears under the final name
// before commit: an unfinished upload's parts cannot be read back under an incomplete name, and a
// writer killed before abort() leaves no vmcore-incomplete marker, only the missing object.
// Stateless apart from its Description.
#pragma once

#include <memory>

#include "kdf/transport.h"

namespace kdf::s3 {

class S3Transport final : public Transport {
public:
    S3Transport();

    const Description& describe() const noexcept override { return description_; }
    // Option rules (parse_s3_options); no I/O (the credentials file is read by probe and open).
    Status check(const TargetConfig& target) const noexcept override;
    // The endpoint's host, the credentials file and the CA file.
    Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept override;
    // Starts and aborts a multipart upload under the prefix: proves the endpoint, TLS, the keys,
    // the bucket and the right to write there, with the rights a put-only policy gives, and leaves
    // nothing behind.
    Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept override;
    // Starts the dump's multipart upload (S3Sink).
    Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                       const CallOptions& opts) noexcept override;

private:
    Description description_;
};

}  // namespace kdf::s3
