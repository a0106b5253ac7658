// object_download.cpp - ranged, resumable GETs of one object.
#include "object_download.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>

#include "kdf/unique_fd.h"

namespace kdf::s3 {

namespace {

// After-reboot commands run without the chain's deadlines: each request gets this long.
constexpr std::chrono::minutes kRequestBound{10};

CallOptions request_options() {
    CallOptions o;
    o.deadline = Clock::now() + kRequestBound;
    return o;
}

std::string read_small(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

Result<DownloadResult> download_object(const S3Client& client, const std::string& key, const std::string& file,
                                       uint64_t chunk_size) {
    if (::access(file.c_str(), F_OK) == 0)
        return Status::from_errno(EEXIST, "s3: " + file + " exists; refusing to write over it");
    const std::string part = file + ".part", etag_file = part + ".etag";
    const std::string name = client.object_name(key);

    // The first range also tells the object's size and ETag.
    UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!fd) return Status::from_errno(errno, "s3: " + part);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "s3: " + part);
    uint64_t have = static_cast<uint64_t>(st.st_size);
    const std::string old_etag = have ? read_small(etag_file) : std::string();

    // HEAD first: the ETag decides whether the bytes of an earlier run belong to this object, and
    // is recorded before the first byte is written, so an interrupted run can always be resumed.
    S3Request head;
    head.what = "reading " + key;
    head.method = "HEAD";
    head.key = key;
    Result<S3Response> info = client.perform(std::move(head), request_options());
    if (!info.is_ok()) {
        if (have == 0) {
            ::unlink(part.c_str());  // nothing of this object is here: leave no started download
            ::unlink(etag_file.c_str());
        }
        return info.take_status();
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
    {
        std::ofstream tag(etag_file, std::ios::trunc);
        tag << etag;
        if (!tag.flush()) return Status::error(Code::system, "s3: cannot write " + etag_file);
    }

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
    if (::fsync(fd.get()) != 0) return Status::from_errno(errno, "s3: fsync " + part);
    fd.reset();
    if (::link(part.c_str(), file.c_str()) != 0) return Status::from_errno(errno, "s3: naming " + file);
    ::unlink(part.c_str());
    ::unlink(etag_file.c_str());
    result.bytes = total;
    return result;
}

}  // namespace kdf::s3
