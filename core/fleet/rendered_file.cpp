// core/fleet/rendered_file.cpp - writes a rendering: temporary name, exact mode, rename.
#include "core/fleet/rendered_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "kdf/unique_fd.h"

namespace kdf::fleet {

namespace {

bool same_file(const std::string& path, const RenderedFile& f) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 07777) != f.mode) return false;
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return in && ss.str() == f.bytes;
}

Status write_one(const std::string& path, const RenderedFile& f) {
    const std::string temp = path + ".kdf-render-tmp";
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Status::from_errno(errno, "render: create " + temp);
    if (Status s = write_full(fd.get(), f.bytes.data(), f.bytes.size(), temp.c_str()); !s.is_ok()) {
        ::unlink(temp.c_str());
        return s;
    }
    if (::fchmod(fd.get(), f.mode) != 0 || ::fsync(fd.get()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return Status::from_errno(err, "render: finish " + temp);
    }
    fd.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        return Status::from_errno(err, "render: rename " + temp + " to " + path);
    }
    return Status::ok();
}

}  // namespace

Status write_rendered_files(const std::string& dir, const std::vector<RenderedFile>& files) {
    for (const RenderedFile& f : files) {
        const std::filesystem::path path = std::filesystem::path(dir) / f.path;
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) return Status::from_errno(ec.value(), "render: create directory " + path.parent_path().string());
        if (same_file(path.string(), f)) continue;
        if (Status s = write_one(path.string(), f); !s.is_ok()) return s;
    }
    return Status::ok();
}

}  // namespace kdf::fleet
