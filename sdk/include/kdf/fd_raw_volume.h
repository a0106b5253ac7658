// kdf/fd_raw_volume.h - a RawVolume over an open file descriptor: a block device the kernel
// attached (a partition, /dev/sdX of a LUN, /dev/mapper/vg-lv) or a regular file standing in for one.
//
// The kernel handles partial blocks (no O_DIRECT), so write_at() takes any range. flush() is fsync.
// With background writeback on, a helper thread writes the data back every 16 MiB while the dump
// is written (kdf/background_sync.h), so the final flush has little left; flush() collects that
// helper's first error before its own fsync, because the kernel reports a writeback error only once.
// Opening the descriptor (O_EXCL for a block device, never O_CREAT) is the caller's job.
#pragma once

#include <unistd.h>

#include <string>
#include <utility>

#include "kdf/background_sync.h"
#include "kdf/raw_volume.h"
#include "kdf/unique_fd.h"

namespace kdf {

class FdRawVolume final : public RawVolume {
public:
    // `plugin` prefixes messages ("local"); `size` is BLKGETSIZE64 or st_size.
    FdRawVolume(const char* plugin, UniqueFd fd, std::string location, uint64_t size, bool background_writeback,
                uint32_t block_size = 512)
        : plugin_(plugin),
          fd_(std::move(fd)),
          location_(std::move(location)),
          size_(size),
          block_size_(block_size),
          background_writeback_(background_writeback) {}

    uint64_t size() const noexcept override { return size_; }
    uint32_t block_size() const noexcept override { return block_size_; }
    const std::string& location() const noexcept override { return location_; }

    Status read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept override {
        if (Status s = in_range("read", offset, out.size(), opts); !s.is_ok()) return s;
        return pread_full(fd_.get(), out.data(), out.size(), offset, what("read").c_str());
    }

    Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept override {
        if (Status s = in_range("write", offset, data.size(), opts); !s.is_ok()) return s;
        if (Status s = pwrite_full(fd_.get(), data.data(), data.size(), offset, what("write").c_str()); !s.is_ok())
            return s;
        // Started lazily: the durable header writes before the data would otherwise stop it again.
        if (background_writeback_ && !writeback_started_) {
            writeback_ = BackgroundSync(fd_.get());
            writeback_started_ = true;
        }
        writeback_.wrote(data.size());
        return Status::ok();
    }

    Status flush(const CallOptions& opts) noexcept override {
        if (opts.expired()) return Status::error(Code::timeout, what("deadline passed before flushing"));
        if (writeback_started_) {
            writeback_started_ = false;  // the next write starts a new helper
            if (Status s = writeback_.finish(); !s.is_ok()) return s.with_context(what(""));
        }
        while (::fsync(fd_.get()) != 0)
            if (errno != EINTR) return Status::from_errno(errno, what("fsync"));
        return Status::ok();
    }

private:
    std::string what(const char* verb) const {
        return std::string(plugin_) + ": " + verb + (*verb ? " " : "") + location_;
    }
    Status in_range(const char* verb, uint64_t offset, size_t length, const CallOptions& opts) const {
        if (offset > size_ || length > size_ - offset)
            return Status::error(verb[0] == 'w' ? Code::no_space : Code::corrupt,
                                 what(verb) + ": " + std::to_string(length) + " bytes at offset " +
                                     std::to_string(offset) + " pass its end (" + std::to_string(size_) + " bytes)");
        if (opts.expired())
            return Status::error(Code::timeout, what(verb) + ": deadline passed");
        return Status::ok();
    }

    const char* plugin_;
    UniqueFd fd_;
    std::string location_;
    uint64_t size_;
    uint32_t block_size_;
    bool background_writeback_;
    bool writeback_started_ = false;
    BackgroundSync writeback_;  // declared after fd_: finished before the descriptor closes
};

}  // namespace kdf
