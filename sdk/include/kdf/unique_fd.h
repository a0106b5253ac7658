// kdf/unique_fd.h - RAII owner of a POSIX file descriptor, and full-length read/write helpers.
//
// Every fd in the host and in plugins lives in a UniqueFd, so no early return leaks one (a crash
// kernel has few to spare, and a leaked fd keeps a half-written dump open). Move-only.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "kdf/status.h"

namespace kdf {

class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    // close() and report its error: for files whose last writes matter (NFS reports errors here).
    Status close(const char* what) noexcept {
        int fd = release();
        if (fd >= 0 && ::close(fd) != 0) return Status::from_errno(errno, what);
        return Status::ok();
    }

private:
    int fd_ = -1;
};

// pread until `size` bytes are in, or fail. A short file is an error naming `what`.
inline Status pread_full(int fd, void* buf, size_t size, uint64_t offset, const char* what) noexcept {
    auto* p = static_cast<std::byte*>(buf);
    while (size > 0) {
        ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::from_errno(errno, what);
        }
        if (n == 0) return Status::error(Code::corrupt, what).with_context("unexpected end of file");
        p += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<uint64_t>(n);
    }
    return Status::ok();
}

// pwrite until all of `size` is written, or fail (ENOSPC becomes Code::no_space).
inline Status pwrite_full(int fd, const void* buf, size_t size, uint64_t offset, const char* what) noexcept {
    const auto* p = static_cast<const std::byte*>(buf);
    while (size > 0) {
        ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::from_errno(errno, what);
        }
        if (n == 0) return Status::from_errno(ENOSPC, what);
        p += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<uint64_t>(n);
    }
    return Status::ok();
}

// write until all of `size` is written (pipes, sockets, character devices).
inline Status write_full(int fd, const void* buf, size_t size, const char* what) noexcept {
    const auto* p = static_cast<const std::byte*>(buf);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::from_errno(errno, what);
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
    return Status::ok();
}

// Renames `from` to `to` inside the directory `dir_fd` without ever replacing an existing `to`
// (a finished dump must never be overwritten). Where the filesystem lacks RENAME_NOREPLACE it falls
// back to a check plus renameat(). `what` prefixes the error ("local: rename /var/crash/x").
inline Status rename_no_replace(int dir_fd, const char* from, const char* to, const std::string& what) noexcept {
    if (::renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0) return Status::ok();
    int err = errno;
    if (err == EINVAL || err == ENOSYS) {
        struct stat st {};
        if (::fstatat(dir_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) err = EEXIST;
        else if (::renameat(dir_fd, from, dir_fd, to) == 0) return Status::ok();
        else err = errno;
    }
    return Status::from_errno(err, what);
}

}  // namespace kdf
