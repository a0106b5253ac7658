#include "core/integration/config_file_update.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "kdf/unique_fd.h"

namespace kdf::integration {

namespace {

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Writes `text` into a new file `path` (O_EXCL) with `st`'s mode and owner, and syncs it.
Status write_new_file(const std::string& path, const std::string& text, const struct stat& st) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777));
    if (!fd) return Status::from_errno(errno, "create " + path);
    // The owner matters for files like kdump.conf that other tools read as root only; failing to
    // keep it (not root) is not a reason to refuse, the mode is kept either way.
    if (::fchown(fd.get(), st.st_uid, st.st_gid) != 0 && errno != EPERM) return Status::from_errno(errno, "chown " + path);
    if (::fchmod(fd.get(), st.st_mode & 07777) != 0) return Status::from_errno(errno, "chmod " + path);
    if (Status s = write_full(fd.get(), text.data(), text.size(), ("write " + path).c_str()); !s.is_ok()) return s;
    if (::fsync(fd.get()) != 0) return Status::from_errno(errno, "fsync " + path);
    return fd.close(("close " + path).c_str());
}

}  // namespace

Result<FileUpdate> update_config_file(const std::string& path, const std::string& old_text, const std::string& new_text) {
    FileUpdate out;
    out.backup_path = path + kBackupSuffix;
    if (old_text == new_text) return out;

    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return Status::from_errno(errno, "stat " + path);
    struct stat bst{};
    if (::lstat(out.backup_path.c_str(), &bst) != 0) {
        if (errno != ENOENT) return Status::from_errno(errno, "stat " + out.backup_path);
        if (Status s = write_new_file(out.backup_path, old_text, st); !s.is_ok()) return s;
        out.backup_written = true;
    }

    const std::string tmp = path + ".kdump-failover.tmp";
    ::unlink(tmp.c_str());  // left over by an interrupted run: it was never the real file
    if (Status s = write_new_file(tmp, new_text, st); !s.is_ok()) {
        ::unlink(tmp.c_str());
        return s;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return Status::from_errno(err, "rename " + tmp + " to " + path);
    }
    UniqueFd dir(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir && ::fsync(dir.get()) != 0) return Status::from_errno(errno, "fsync " + dir_of(path));
    out.changed = true;
    return out;
}

}  // namespace kdf::integration
