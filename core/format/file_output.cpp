#include "core/format/file_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace kdf::format {

FileOutput::FileOutput(UniqueFd fd, std::string name)
    : fd_(std::move(fd)), name_(std::move(name)), writeback_(fd_.get()) {}

Result<FileOutput> FileOutput::create(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) return Status::from_errno(errno, "create " + path);
    return FileOutput(std::move(fd), path);
}

Status FileOutput::write_at(uint64_t offset, std::span<const std::byte> data) {
    if (data.empty()) return Status::ok();
    Status s = pwrite_full(fd_.get(), data.data(), data.size(), offset, "pwrite");
    if (!s.is_ok()) return s.with_context(name_);
    writeback_.wrote(data.size());
    return s;
}

Status FileOutput::sync() {
    if (Status s = writeback_.finish(); !s.is_ok()) return s.with_context(name_);
    if (::fsync(fd_.get()) != 0) return Status::from_errno(errno, "fsync " + name_);
    return Status::ok();
}

}  // namespace kdf::format
