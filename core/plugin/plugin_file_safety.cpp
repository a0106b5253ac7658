#include "core/plugin/plugin_file_safety.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace kdf::plugin {
namespace {

std::string parent_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// ok when `path` (a plugin file or the directory holding one) is root's and only root's to change.
Status check_owned_by_root(const std::string& path, const char* what, const std::string& plugin_file) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Status::from_errno(errno, "plugin " + plugin_file + ": cannot check " + what + " " + path).with_stage(Stage::load);
    std::string why;
    if (st.st_uid != 0) {
        why = "is owned by uid " + std::to_string(st.st_uid);
    } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        why = std::string("is writable by group or others (mode ") + mode + ")";
    } else {
        return Status::ok();
    }
    return Status::error(Code::auth, "plugin " + plugin_file + " refused: " + what + " " + path + " " + why +
                                         "; running as root, plugins are loaded only from files and directories "
                                         "owned by root that only root can write")
        .with_stage(Stage::load);
}

}  // namespace

Status check_plugin_file_safety(const std::string& file, bool as_root) {
    if (!as_root) return Status::ok();
    // The directory the search path named (a planted replacement would go there) ...
    if (Status s = check_owned_by_root(parent_of(file), "directory", file); !s.is_ok()) return s;
    // ... and the file itself, with its directory, after symlinks are resolved.
    std::unique_ptr<char, decltype(&std::free)> real(::realpath(file.c_str(), nullptr), &std::free);
    if (!real) return Status::from_errno(errno, "plugin " + file + ": cannot resolve its path").with_stage(Stage::load);
    const std::string resolved(real.get());
    if (Status s = check_owned_by_root(resolved, "file", file); !s.is_ok()) return s;
    if (parent_of(resolved) != parent_of(file))
        if (Status s = check_owned_by_root(parent_of(resolved), "directory", file); !s.is_ok()) return s;
    return Status::ok();
}

}  // namespace kdf::plugin
