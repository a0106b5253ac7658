// core/vmcore/mapped_reader.h - reads a vmcore through mmap windows instead of pread.
//
// Why: in a crash kernel, read() on /proc/vmcore copies the old kernel's memory a page at a time,
// mapping and unmapping each page (copy_oldmem_page); mmap maps it in large pieces
// (remap_oldmem_pfn_range, Linux 3.11+). makedumpfile reads /proc/vmcore this way for the same
// reason (its --non-mmap turns it off). Measured in the crash kernel of tests/e2e (Debian 6.1
// under QEMU, software emulation): reading all 372 MiB of /proc/vmcore, pread 180-270 MB/s and
// 4 MiB windows 7.7-8.8 GB/s; a level-31 lz4 dump of it (319.5 MiB of memory looked at) 1.2 s
// with the windows against 1.5 s with pread, twice each. On a file in the page cache it is the
// other way round (page faults cost more than pread's copy), so ElfVmcore uses this only for
// procfs files unless told otherwise.
//
// Memory: at most kWindows windows (kWindowBytes of address space each) are mapped at a time,
// the least recently used one is replaced: a dump reads page data in file order while the filter
// reads mem_map elsewhere in the file, and one window would be remapped at every switch.
// /proc/vmcore's pages are the old kernel's memory, not page cache, and do not count in our RSS.
// Failure: any mmap error turns the reader off for good and read() returns false, so the caller
// falls back to pread; a range it cannot map (the file's last partial page) is also left to pread.
// A page that cannot be read (SIGBUS when touched: poisoned or vanished memory) fails that read()
// only: the caller's pread then reports it as an I/O error (sigbus_safe_copy.h).
// Thread safety: read() takes a mutex (the window is shared).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>

namespace kdf::vmcore {

// One read-only MAP_PRIVATE mapping of a file range; unmapped on destruction. Move-only.
class FileMapping {
public:
    FileMapping() = default;
    // Maps `length` bytes at `offset` (page-aligned); empty() when mmap failed (errno kept).
    FileMapping(int fd, uint64_t offset, size_t length);
    ~FileMapping();
    FileMapping(FileMapping&& other) noexcept;
    FileMapping& operator=(FileMapping&& other) noexcept;
    FileMapping(const FileMapping&) = delete;
    FileMapping& operator=(const FileMapping&) = delete;

    bool empty() const noexcept { return base_ == nullptr; }
    uint64_t offset() const noexcept { return offset_; }
    size_t length() const noexcept { return length_; }
    const std::byte* data() const noexcept { return base_; }
    bool covers(uint64_t offset, size_t size) const noexcept {
        return base_ != nullptr && offset >= offset_ && offset - offset_ + size <= length_;
    }

private:
    void reset() noexcept;
    std::byte* base_ = nullptr;
    uint64_t offset_ = 0;
    size_t length_ = 0;
};

class MappedReader {
public:
    static constexpr uint64_t kWindowBytes = 4ull << 20;
    static constexpr size_t kWindows = 4;

    MappedReader(int fd, uint64_t file_size);

    // Copies out.size() bytes at `offset` out of mapped windows. False (nothing promised about
    // `out`) when this range is not read through mmap: the caller preads it.
    bool read(uint64_t offset, std::span<std::byte> out);
    // False once an mmap has failed (the reader stays off).
    bool active();

private:
    int fd_;
    uint64_t mappable_end_;  // file size rounded down to whole pages: mmap cannot go past it
    // The window holding `offset` (mapping it, in place of the least recently used), or null
    // when mmap failed.
    const FileMapping* window_for(uint64_t offset);

    std::mutex mu_;
    FileMapping windows_[kWindows];
    uint64_t last_use_[kWindows] = {};
    uint64_t clock_ = 0;
    bool failed_ = false;
};

}  // namespace kdf::vmcore
