#include "core/plugin/plugin_file_safety.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "kdf/unique_fd.h"

namespace kdf::plugin {
namespace {

std::string parent_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Why the file or directory described by `st` is not root's alone to change, or "" when it is.
std::string unsafe_because(const struct stat& st) {
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return std::string("is writable by group or others (mode ") + mode + ")";
    }
    return "";
}

Status refused(const std::string& plugin_file, const char* what, const std::string& path, const std::string& why) {
    return Status::error(Code::auth, "plugin " + plugin_file + " refused: " + what + " " + path + " " + why +
                                         "; running as root, plugins are loaded only from files and directories "
                                         "owned by root that only root can write")
        .with_stage(Stage::load);
}

// ok when the directory `path` is root's and only root's to change.
Status check_directory(const std::string& path, const std::string& plugin_file) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Status::from_errno(errno, "plugin " + plugin_file + ": cannot check directory " + path)
            .with_stage(Stage::load);
    if (std::string why = unsafe_because(st); !why.empty()) return refused(plugin_file, "directory", path, why);
    return Status::ok();
}

// Where the open file really is: the kernel's name for the descriptor, after every symlink.
Result<std::string> path_of_fd(int fd, const std::string& plugin_file) {
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    std::string buf(4096, '\0');
    const ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
    if (n < 0 && errno == ENOENT && ::access("/proc/self", F_OK) != 0) {
        // No /proc (a chroot, an early initramfs): the name the file resolves to now, accepted only
        // while it is still the very file the descriptor holds.
        struct stat by_fd{}, by_name{};
        char resolved[PATH_MAX];
        errno = 0;
        if (::realpath(plugin_file.c_str(), resolved) == nullptr || ::fstat(fd, &by_fd) != 0 ||
            ::stat(resolved, &by_name) != 0 || by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino)
            return Status::from_errno(errno ? errno : ESTALE, "plugin " + plugin_file + ": cannot resolve its path")
                .with_stage(Stage::load);
        return std::string(resolved);
    }
    if (n < 0 || static_cast<size_t>(n) >= buf.size())
        return Status::from_errno(n < 0 ? errno : ENAMETOOLONG, "plugin " + plugin_file + ": cannot resolve its path")
            .with_stage(Stage::load);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

}  // namespace

Status check_plugin_fd_safety(int fd, const std::string& file, bool as_root) {
    if (!as_root) return Status::ok();
    // The directory the search path named (a planted replacement would go there) ...
    if (Status s = check_directory(parent_of(file), file); !s.is_ok()) return s;
    // ... the file that is open (not whatever the path names now) ...
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return Status::from_errno(errno, "plugin " + file + ": cannot check it").with_stage(Stage::load);
    auto resolved = path_of_fd(fd, file);
    if (!resolved.is_ok()) return resolved.take_status();
    if (!S_ISREG(st.st_mode)) return refused(file, "file", resolved.value(), "is not a regular file");
    if (std::string why = unsafe_because(st); !why.empty()) return refused(file, "file", resolved.value(), why);
    // ... and, for a symlinked plugin, the directory it resolves to.
    if (parent_of(resolved.value()) != parent_of(file))
        if (Status s = check_directory(parent_of(resolved.value()), file); !s.is_ok()) return s;
    return Status::ok();
}

Status check_plugin_file_safety(const std::string& file, bool as_root) {
    if (!as_root) return Status::ok();
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "plugin " + file + ": cannot open it").with_stage(Stage::load);
    return check_plugin_fd_safety(fd.get(), file, as_root);
}

}  // namespace kdf::plugin
