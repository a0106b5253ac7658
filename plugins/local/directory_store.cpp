// directory_store.cpp - list, remove and measure dump directories under a local target's path.
#include "directory_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "file_util.h"
#include "kdf/names.h"
#include "kdf/unique_fd.h"

namespace kdf::local {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

// Opens the directory `name` below `parent_fd` without following a link, as a DIR stream.
Result<DirHandle> open_dir_at(int parent_fd, const std::string& name, const std::string& shown) {
    UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "local: open directory " + shown);
    DIR* d = ::fdopendir(fd.get());
    if (!d) return Status::from_errno(errno, "local: read directory " + shown);
    (void)fd.release();  // the DIR stream owns it now
    return DirHandle(d);
}

bool is_file_at(int dir_fd, const char* name) {
    struct stat st {};
    return ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::vector<std::string>> DirectoryStore::list(const CallOptions& opts) {
    if (Status s = check_deadline(opts, "listing " + path_); !s.is_ok()) return s;
    Result<DirHandle> dir = open_dir_at(AT_FDCWD, path_, path_);
    if (!dir.is_ok()) return dir.take_status();
    const int dir_fd = ::dirfd(dir.value().get());
    std::vector<std::string> out;
    errno = 0;
    while (const dirent* e = ::readdir(dir.value().get())) {
        const std::string name = e->d_name;
        struct stat st {};
        if (is_plain_name(name) && ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
            out.push_back(name);
        errno = 0;
    }
    if (errno != 0) return Status::from_errno(errno, "local: read directory " + path_);
    return out;
}

Result<bool> DirectoryStore::complete(const std::string& name, const CallOptions& opts) {
    const std::string shown = path_ + "/" + name;
    if (Status s = check_deadline(opts, "looking into " + shown); !s.is_ok()) return s;
    UniqueFd dir(::open(shown.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    // A directory we cannot open counts as incomplete: it is then never removed.
    if (!dir) return false;
    return is_file_at(dir.get(), "vmcore") || is_file_at(dir.get(), "vmcore.flat");
}

Status DirectoryStore::remove(const std::string& name, const CallOptions& opts) {
    const std::string shown = path_ + "/" + name;
    if (Status s = check_deadline(opts, "removing " + shown); !s.is_ok()) return s;
    if (!is_plain_name(name)) return Status::error(Code::invalid_config, "local: '" + name + "' is not a dump directory name");
    UniqueFd parent(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!parent) return Status::from_errno(errno, "local: open directory " + path_);
    Result<DirHandle> dir = open_dir_at(parent.get(), name, shown);
    if (!dir.is_ok()) return dir.take_status();
    const int dir_fd = ::dirfd(dir.value().get());
    // Every entry is checked before the first is removed: a directory that is not only a dump stays whole.
    std::vector<std::string> files;
    errno = 0;
    while (const dirent* e = ::readdir(dir.value().get())) {
        const std::string file = e->d_name;
        if (file == "." || file == "..") continue;
        if (!is_file_at(dir_fd, file.c_str()))
            return Status::error(Code::corrupt, "local: " + shown + "/" + file +
                                                    " is not a plain file; the dump directory is left as it is");
        files.push_back(file);
        errno = 0;
    }
    if (errno != 0) return Status::from_errno(errno, "local: read directory " + shown);
    for (const std::string& file : files)
        if (::unlinkat(dir_fd, file.c_str(), 0) != 0) return Status::from_errno(errno, "local: remove " + shown + "/" + file);
    if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) != 0) return Status::from_errno(errno, "local: remove " + shown);
    return Status::ok();
}

Result<uint64_t> DirectoryStore::free_bytes(const CallOptions& opts) {
    if (Status s = check_deadline(opts, "measuring free space at " + path_); !s.is_ok()) return s;
    return local::free_bytes(path_);
}

}  // namespace kdf::local
