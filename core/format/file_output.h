// core/format/file_output.h - a DumpOutput over a local file descriptor (positional writes).
//
// Used by `kdump-failover collect`/`reassemble` and by tests. Every write_at is a full pwrite
// (short writes retried, ENOSPC becomes Code::no_space). Written data goes back to disk during the
// dump (kdf/background_sync.h), so sync() has little left. Owns its fd; not thread-safe (one writer).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/format/dump_writer.h"
#include "kdf/background_sync.h"
#include "kdf/status.h"
#include "kdf/unique_fd.h"

namespace kdf::format {

class FileOutput final : public DumpOutput {
public:
    // `name` is used in error messages only (usually the path).
    FileOutput(UniqueFd fd, std::string name);

    // Creates (or truncates) `path` with mode 0600: a dump holds secrets.
    static Result<FileOutput> create(const std::string& path);

    FileOutput(FileOutput&&) noexcept = default;
    FileOutput& operator=(FileOutput&&) = delete;  // would close fd_ while writeback_ still syncs it

    Status write_at(uint64_t offset, std::span<const std::byte> data) override;
    Status sync();  // fsync: the data is durable when this returns ok
    int fd() const noexcept { return fd_.get(); }
    const std::string& name() const noexcept { return name_; }

private:
    UniqueFd fd_;
    std::string name_;
    BackgroundSync writeback_;  // after fd_: stopped before the fd is closed
};

}  // namespace kdf::format
