// file_util.cpp - shared filesystem steps of the `local` transport.
#include "file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kdf/unique_fd.h"

namespace kdf::local {

Status check_deadline(const CallOptions& opts, std::string_view next_step) {
    if (!opts.expired()) return Status::ok();
    std::string msg = "local: deadline passed before ";
    msg.append(next_step);
    return Status::error(Code::timeout, msg).with_retryable(true);
}

Status check_target_directory(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return Status::from_errno(ENOENT, "local: target directory " + path +
                                                  " does not exist; it is never created, so that an unmounted mount "
                                                  "point never turns into a directory on the root filesystem");
        return Status::from_errno(errno, "local: stat " + path);
    }
    if (!S_ISDIR(st.st_mode)) return Status::from_errno(ENOTDIR, "local: target path " + path + " is not a directory");
    return Status::ok();
}

Result<uint64_t> free_bytes(const std::string& path) {
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) != 0) return Status::from_errno(errno, "local: statvfs " + path);
    return static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
}

Status sync_fd(int fd, const std::string& what) {
    while (::fsync(fd) != 0) {
        if (errno != EINTR) return Status::from_errno(errno, "local: fsync " + what);
    }
    return Status::ok();
}

Status write_file_replacing(int dir_fd, const std::string& dir_path, std::string_view name,
                            std::span<const std::byte> data, bool durable) {
    const std::string final_path = dir_path + "/" + std::string(name);
    const std::string temp_name = "." + std::string(name) + ".tmp";
    const std::string temp_path = dir_path + "/" + temp_name;
    // O_TRUNC: a temp file left by an earlier interrupted attempt is ours to reuse.
    UniqueFd fd(::openat(dir_fd, temp_name.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Status::from_errno(errno, "local: create " + temp_path);
    Status s = pwrite_full(fd.get(), data.data(), data.size(), 0, ("local: write " + temp_path).c_str());
    if (s.is_ok() && durable) s = sync_fd(fd.get(), temp_path);
    if (s.is_ok()) s = fd.close(("local: close " + temp_path).c_str());
    if (!s.is_ok()) {
        ::unlinkat(dir_fd, temp_name.c_str(), 0);  // only our temporary; the final name was never touched
        return s;
    }
    if (::renameat(dir_fd, temp_name.c_str(), dir_fd, std::string(name).c_str()) != 0)
        return Status::from_errno(errno, "local: rename " + temp_path + " to " + final_path);
    return Status::ok();
}

}  // namespace kdf::local
