// mount_point.cpp - mount point detection by st_dev and /proc/self/mountinfo.
#include "mount_point.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "local_options.h"

namespace kdf::local {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string unescape_mountinfo(const std::string& field) {
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            const std::string oct = field.substr(i + 1, 3);
            if (oct.find_first_not_of("01234567") == std::string::npos) {
                out += static_cast<char>(std::stoi(oct, nullptr, 8));
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

// True when /proc/self/mountinfo has `dir` as a mount point (field 5). Missing /proc: false.
bool listed_in_mountinfo(const std::string& dir) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount;
        if (!(fields >> id >> parent >> devno >> root >> mount)) continue;
        if (unescape_mountinfo(mount) == dir) return true;
    }
    return false;
}

Result<std::string> real_path(const std::string& p) {
    std::unique_ptr<char, decltype(&std::free)> resolved(::realpath(p.c_str(), nullptr), &std::free);
    if (!resolved) return Status::from_errno(errno, "local: resolve " + p);
    return std::string(resolved.get());
}

}  // namespace

Result<bool> is_mount_point(const std::string& dir) {
    Result<std::string> real = real_path(dir);
    if (!real.is_ok()) return real.take_status();
    const std::string& r = real.value();
    if (r == "/") return true;
    struct stat self {}, parent {};
    if (::stat(r.c_str(), &self) != 0) return Status::from_errno(errno, "local: stat " + r);
    if (::stat((r + "/..").c_str(), &parent) != 0) return Status::from_errno(errno, "local: stat " + r + "/..");
    if (self.st_dev != parent.st_dev) return true;
    return listed_in_mountinfo(r);
}

Status check_mount_point(const std::string& mount_point, const std::string& path) {
    Result<bool> mounted = is_mount_point(mount_point);
    if (!mounted.is_ok()) return mounted.take_status();
    if (!mounted.value())
        return Status::error(Code::not_found, "local: " + mount_point +
                                                  " is not a mount point (nothing mounted there?); refusing to "
                                                  "write the dump to the filesystem below it");
    // Symlinks could carry `path` off the mounted filesystem: compare resolved paths.
    Result<std::string> real_mount = real_path(mount_point);
    if (!real_mount.is_ok()) return real_mount.take_status();
    Result<std::string> real_target = real_path(path);
    if (!real_target.is_ok()) return real_target.take_status();
    if (!path_is_at_or_below(real_target.value(), real_mount.value()))
        return Status::error(Code::invalid_config, "local: path " + path + " (" + real_target.value() +
                                                       ") is not on mount point " + mount_point);
    return Status::ok();
}

}  // namespace kdf::local
