// own_file.cpp - opening only our own regular files, never through a planted link.
#include "own_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace kdf::s3 {

Result<UniqueFd> open_own_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600));
    if (!fd) {
        if (errno == ELOOP) return Status::error(Code::system, "s3: " + path + " is a symbolic link; refusing to write through it");
        return Status::from_errno(errno, "s3: opening " + path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "s3: " + path);
    if (!S_ISREG(st.st_mode)) return Status::error(Code::system, "s3: " + path + " is not a regular file; refusing to write to it");
    if (st.st_uid != ::geteuid())
        return Status::error(Code::system, "s3: " + path + " is owned by uid " + std::to_string(st.st_uid) +
                                               ", not by us; refusing to write to it");
    if (st.st_nlink != 1)
        return Status::error(Code::system, "s3: " + path + " has " + std::to_string(st.st_nlink) +
                                               " hard links; refusing to write to a file that has another name");
    // A regular file never blocks; the flag only kept a FIFO from hanging the open.
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) return Status::from_errno(errno, "s3: " + path);
    return fd;
}

Result<std::string> read_whole(int fd, const std::string& path, size_t limit) {
    std::string text(limit, '\0');
    size_t got = 0;
    while (got < limit) {
        ssize_t n = ::pread(fd, text.data() + got, limit - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::from_errno(errno, "s3: reading " + path);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    text.resize(got);
    return text;
}

Status rewrite(int fd, const std::string& path, const std::string& text) {
    if (::ftruncate(fd, 0) != 0) return Status::from_errno(errno, "s3: truncating " + path);
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Status::from_errno(n < 0 ? errno : EIO, "s3: writing " + path);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return Status::from_errno(errno, "s3: fsync " + path);
    return Status::ok();
}

}  // namespace kdf::s3
