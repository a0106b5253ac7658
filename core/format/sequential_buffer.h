// core/format/sequential_buffer.h - gathers small sequential writes (page data) into one bounded
// buffer and hands it to a DumpOutput in large pieces: fewer syscalls for a file, fewer records for
// a flattened stream. Memory is the capacity given, never more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/format/dump_writer.h"
#include "kdf/status.h"

namespace kdf::format {

class SequentialBuffer {
public:
    SequentialBuffer(DumpOutput& out, size_t capacity) : out_(&out), capacity_(capacity) { buf_.reserve(capacity); }

    void start_at(uint64_t offset) noexcept { base_ = offset; }
    uint64_t cursor() const noexcept { return base_ + buf_.size(); }  // file offset of the next byte

    Status append(std::span<const std::byte> data);
    Status append_zeros(uint64_t count);
    Status flush();
    uint64_t bytes_flushed() const noexcept { return flushed_; }

private:
    DumpOutput* out_;
    size_t capacity_;
    uint64_t base_ = 0;  // file offset of buf_[0]
    uint64_t flushed_ = 0;
    std::vector<std::byte> buf_;
};

}  // namespace kdf::format
