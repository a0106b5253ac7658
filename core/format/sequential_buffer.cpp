#include "core/format/sequential_buffer.h"

#include <algorithm>

namespace kdf::format {

Status SequentialBuffer::append(std::span<const std::byte> data) {
    while (!data.empty()) {
        if (buf_.size() == capacity_)
            if (Status s = flush(); !s.is_ok()) return s;
        size_t n = std::min(data.size(), capacity_ - buf_.size());
        buf_.insert(buf_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        data = data.subspan(n);
    }
    return Status::ok();
}

Status SequentialBuffer::append_zeros(uint64_t count) {
    while (count > 0) {
        if (buf_.size() == capacity_)
            if (Status s = flush(); !s.is_ok()) return s;
        size_t n = static_cast<size_t>(std::min<uint64_t>(count, capacity_ - buf_.size()));
        buf_.insert(buf_.end(), n, std::byte{0});
        count -= n;
    }
    return Status::ok();
}

Status SequentialBuffer::flush() {
    if (buf_.empty()) return Status::ok();
    if (Status s = out_->write_at(base_, buf_); !s.is_ok()) return s;
    base_ += buf_.size();
    flushed_ += buf_.size();
    buf_.clear();
    return Status::ok();
}

}  // namespace kdf::format
