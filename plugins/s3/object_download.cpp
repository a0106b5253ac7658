// object_download.cpp - ranged, resumable GETs of one object.
#include "object_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "kdf/unique_fd.h"
#include "own_file.h"

namespace kdf::s3 {

namespace {

// After-reboot commands run without the chain's deadlines: each request gets this long.
constexpr std::chrono::minutes kRequestBound{10};

CallOptions request_options() {
    CallOptions o;
    o.deadline = Clock::now() + kRequestBound;
    return o;
}

// An ETag is a quoted hash of a few dozen characters; anything longer is not ours.
constexpr size_t kMaxEtagFile = 1024;

}  // namespace

Result<DownloadResult> download_object(const S3Client& client, const std::string& key, const std::string& file,
                                       uint64_t chunk_size, bool replace) {
    if (!replace && ::access(file.c_str(), F_OK) == 0)
        return Status::from_errno(EEXIST, "s3: " + file + " exists; refusing to write over it (--force replaces it)");
    const std::string part = file + ".part", etag_file = part + ".etag";
    const std::string name = client.object_name(key);

    // Both files are opened without following links and kept only if they are our own regular
    // files: a name planted there must not make us truncate or overwrite another file.
    Result<UniqueFd> opened = open_own_file(part);
    if (!opened.is_ok()) return opened.take_status();
    UniqueFd fd = std::move(opened.value());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "s3: " + part);
    uint64_t have = static_cast<uint64_t>(st.st_size);
    Result<UniqueFd> tag_opened = open_own_file(etag_file);
    if (!tag_opened.is_ok()) {
        if (have == 0) ::unlink(part.c_str());
        return tag_opened.take_status();
    }
    UniqueFd tag_fd = std::move(tag_opened.value());
    std::string old_etag;
    if (have) {
        Result<std::string> read = read_whole(tag_fd.get(), etag_file, kMaxEtagFile);
        if (!read.is_ok()) return read.take_status();
        old_etag = std::move(read.value());
    }

    // HEAD first: the ETag decides whether the bytes of an earlier run belong to this object, and
    // is recorded before the first byte is written, so an interrupted run can always be resumed.
    S3Request head;
    head.what = "reading " + key;
    head.method = "HEAD";
    head.key = key;
    Result<S3Response> info = client.perform(std::move(head), request_options());
    Status refused;
    if (!info.is_ok()) refused = info.take_status();
    // Without its size the download could not tell a complete object from a cut one.
    else if (!info->has_content_length)
        refused = Status::error(Code::not_supported, "s3: " + name + ": the server's HEAD answer has no Content-Length");
    else if (info->content_length == 0)
        refused = Status::error(Code::corrupt, "s3: " + name + " is empty; not a dump");
    if (!refused.is_ok()) {
        if (have == 0) {
            ::unlink(part.c_str());  // nothing of this object is here: leave no started download
            ::unlink(etag_file.c_str());
        }
        return refused;
    }
    const std::string etag = info->etag;
    const uint64_t total = info->content_length;
    DownloadResult result;
    if (have && (old_etag != etag || have > total)) {
        // The object changed since the earlier run: the bytes there are not this object's.
        if (::ftruncate(fd.get(), 0) != 0) return Status::from_errno(errno, "s3: " + part);
        have = 0;
    }
    result.resumed = have;
    if (Status s = rewrite(tag_fd.get(), etag_file, etag); !s.is_ok()) return s;
    tag_fd.reset();

    while (have < total) {
        S3Request r;
        r.what = "reading " + key;
        r.method = "GET";
        r.key = key;
        r.headers = {"Range: bytes=" + std::to_string(have) + "-" + std::to_string(std::min(total, have + chunk_size) - 1)};
        uint64_t at = have;
        Status write_error;
        r.consume = [&](std::span<const std::byte> data) {
            size_t done = 0;
            while (done < data.size()) {
                ssize_t n = ::pwrite(fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(at + done));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) {
                    write_error = Status::from_errno(errno, "s3: writing " + part);
                    return false;
                }
                done += static_cast<size_t>(n);
            }
            at += done;
            return true;
        };
        Result<S3Response> got = client.perform(std::move(r), request_options());
        if (!write_error.is_ok()) return write_error;
        if (!got.is_ok()) return got.take_status();
        if (got->http_status != 206)
            return Status::error(Code::not_supported, "s3: " + name + ": the server ignored the Range request (HTTP " +
                                                          std::to_string(got->http_status) + ")");
        if (got->etag != etag)
            return Status::error(Code::corrupt, "s3: " + name + " changed while it was read (ETag " + etag + " became " +
                                                    got->etag + "); run again to start over");
        if (at != std::min(total, have + chunk_size))
            return Status::error(Code::corrupt, "s3: " + name + ": short range answer at byte " + std::to_string(at));
        have = at;
    }
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "s3: " + part);
    if (static_cast<uint64_t>(st.st_size) != total)
        return Status::error(Code::corrupt, "s3: " + part + " holds " + std::to_string(st.st_size) + " bytes, not the " +
                                                std::to_string(total) + " of " + name);
    if (::fsync(fd.get()) != 0) return Status::from_errno(errno, "s3: fsync " + part);
    fd.reset();
    if (replace) {
        // rename() replaces the name itself (a link there, not what it points to), in one step.
        if (::rename(part.c_str(), file.c_str()) != 0) return Status::from_errno(errno, "s3: naming " + file);
    } else {
        if (::link(part.c_str(), file.c_str()) != 0) return Status::from_errno(errno, "s3: naming " + file);
        ::unlink(part.c_str());
    }
    ::unlink(etag_file.c_str());
    result.bytes = total;
    return result;
}

}  // namespace kdf::s3
