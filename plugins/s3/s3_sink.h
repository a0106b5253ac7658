// s3_sink.h - one dump as one S3 object, written as a multipart upload.
//
//   open():      CreateMultipartUpload for <prefix>/<dir_name>/<final_name>. Nothing is visible
//                under that key until the upload is completed; this call also proves the keys and
//                the bucket (a wrong secret or a missing bucket fails here, and nothing is created).
//                Then the directory is claimed for this dump (claim_dump_dir: a conditional PutObject of
//                .vmcore-claim); when another dump holds it, the next free name is claimed and the
//                upload started again there.
//   put_file():  PutObject <prefix>/<dir_name>/<name>: vmcore-dmesg.txt before the dump data,
//                vmcore-unreadable.txt after it.
//   append():    the flattened stream, front to back, cut into parts that grow as the upload goes
//                (PartSchedule); see PartWindow for how many are on the wire and what memory that takes.
//   commit():    the last (short) part, every part acknowledged, then CompleteMultipartUpload:
//                only then does the object appear under its final name.
//   abort():     stop the transfers, AbortMultipartUpload (the server drops the parts, so no half
//                object is ever visible), and PutObject <prefix>/<dir_name>/vmcore-incomplete, a
//                few lines saying how far the dump got.
// Only PutObject and the multipart calls on the dump's own keys are used: no HEAD, GET, List or
// Delete, so a bucket policy that allows nothing else still works. The call rules (states, stage
// labels, side-file names) are kdf::SinkBase's.
#pragma once

#include <memory>
#include <string>

#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "part_window.h"
#include "s3_client.h"

namespace kdf::s3 {

class S3Sink final : public SinkBase {
public:
    // `key_dir` is "<prefix>/<dir_name>".
    static Result<std::unique_ptr<Sink>> open(std::unique_ptr<S3Client> client, const std::string& key_dir,
                                              const DumpInfo& dump, const CallOptions& opts);

    S3Sink(std::unique_ptr<S3Client> client, std::string key_dir, std::string final_name, std::string upload_id,
           uint64_t size_hint);
    ~S3Sink() override;

private:
    // Each side file is a PutObject of its own, independent of the multipart upload: one that
    // comes after the data (vmcore-unreadable.txt) is stored like the one before it.
    bool side_files_after_data() const noexcept override { return true; }
    Status do_append(std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    Status put_object(const std::string& name, std::span<const std::byte> data, const CallOptions& opts);

    std::unique_ptr<S3Client> client_;
    std::string key_dir_;
    std::string key_;
    std::string upload_id_;
    std::unique_ptr<PartWindow> window_;  // destroyed before client_
    uint64_t appended_ = 0;
    bool completed_ = false;
    bool taken_over_ = false;  // an earlier target of this run claimed the directory first
};

}  // namespace kdf::s3
