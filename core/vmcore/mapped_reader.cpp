#include "core/vmcore/mapped_reader.h"

#include "core/vmcore/sigbus_safe_copy.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace kdf::vmcore {

FileMapping::FileMapping(int fd, uint64_t offset, size_t length) : offset_(offset), length_(length) {
    void* p = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(offset));
    if (p == MAP_FAILED) {
        length_ = 0;
        return;
    }
    base_ = static_cast<std::byte*>(p);
}

FileMapping::~FileMapping() { reset(); }

FileMapping::FileMapping(FileMapping&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), offset_(other.offset_), length_(std::exchange(other.length_, 0)) {}

FileMapping& FileMapping::operator=(FileMapping&& other) noexcept {
    if (this != &other) {
        reset();
        base_ = std::exchange(other.base_, nullptr);
        offset_ = other.offset_;
        length_ = std::exchange(other.length_, 0);
    }
    return *this;
}

void FileMapping::reset() noexcept {
    if (base_ != nullptr) ::munmap(base_, length_);
    base_ = nullptr;
    length_ = 0;
}

MappedReader::MappedReader(int fd, uint64_t file_size) : fd_(fd) {
    const long page = ::sysconf(_SC_PAGESIZE);
    const uint64_t p = page > 0 ? static_cast<uint64_t>(page) : 4096;
    mappable_end_ = file_size / p * p;
}

bool MappedReader::active() {
    std::lock_guard lock(mu_);
    return !failed_;
}

const FileMapping* MappedReader::window_for(uint64_t offset) {
    size_t victim = 0;
    for (size_t i = 0; i < kWindows; ++i) {
        if (windows_[i].covers(offset, 1)) {
            last_use_[i] = ++clock_;
            return &windows_[i];
        }
        if (last_use_[i] < last_use_[victim]) victim = i;
    }
    // Windows sit on kWindowBytes boundaries, so a dump read in file order maps each once.
    const uint64_t start = offset / kWindowBytes * kWindowBytes;
    const size_t length = static_cast<size_t>(std::min(kWindowBytes, mappable_end_ - start));
    windows_[victim] = FileMapping();  // unmap first: never more than kWindows of address space
    windows_[victim] = FileMapping(fd_, start, length);
    if (windows_[victim].empty()) return nullptr;
    last_use_[victim] = ++clock_;
    return &windows_[victim];
}

bool MappedReader::read(uint64_t offset, std::span<std::byte> out) {
    std::lock_guard lock(mu_);
    if (failed_ || out.size() > mappable_end_ || offset > mappable_end_ - out.size()) return false;
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = offset + done;
        const FileMapping* w = window_for(at);
        if (w == nullptr) {
            failed_ = true;
            return false;
        }
        const uint64_t rel = at - w->offset();
        const size_t n = std::min(out.size() - done, static_cast<size_t>(w->length() - rel));
        // A page that cannot be read raises SIGBUS here; the caller's pread then names the pages
        // (EIO) without this reader giving up on the windows that still work.
        if (!copy_from_mapping(out.data() + done, w->data() + rel, n)) return false;
        done += n;
    }
    return true;
}

}  // namespace kdf::vmcore
