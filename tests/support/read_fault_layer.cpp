// tests/support/read_fault_layer.cpp - an LD_PRELOAD library that makes reads of one file fail in
// set byte ranges, as reads of /proc/vmcore fail where the crashed machine's memory cannot be read.
//
//   KDF_FAULT_FILE=/path/to/vmcore  KDF_FAULT_RANGES=OFFSET+LENGTH[:ERRNO][,OFFSET+LENGTH...]
//   (bytes; decimal or 0x hex; ERRNO a decimal errno for read failures in that range, EIO when
//   absent; where ranges overlap, the first listed counts)
//   LD_PRELOAD=.../libkdf_read_faults.so  kdump-failover collect ...
//
// What the kernel does, and so what this does, on the named file only (matched by device and
// inode, so any name or fd for it counts):
//   pread/pread64/read: a call that starts inside a range fails with EIO (or the range's ERRNO);
//     one that starts before a range returns the bytes up to it (a short read, as read_vmcore returns what it copied).
//   mmap/mmap64: the mapping is made, then every page of it inside a range is replaced by a page
//     past the end of an empty memfd: touching it raises SIGBUS, as touching poisoned memory does.
// Every other file and call goes to the C library untouched. The ranges are read once, at load.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

struct FaultRange {
    uint64_t begin;
    uint64_t end;
    int error;  // errno for a read starting inside the range
};

constexpr int kMaxRanges = 64;
FaultRange g_ranges[kMaxRanges];
int g_range_count = 0;
dev_t g_dev = 0;
ino_t g_ino = 0;
bool g_armed = false;
int g_sigbus_fd = -1;  // an empty memfd: its pages are past end of file, so they raise SIGBUS

using PreadFn = ssize_t (*)(int, void*, size_t, off_t);
using ReadFn = ssize_t (*)(int, void*, size_t);
using MmapFn = void* (*)(void*, size_t, int, int, int, off_t);

template <class Fn>
Fn next_symbol(const char* name) {
    return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

__attribute__((constructor)) void load_ranges() {
    const char* file = std::getenv("KDF_FAULT_FILE");
    const char* ranges = std::getenv("KDF_FAULT_RANGES");
    if (file == nullptr || ranges == nullptr) return;
    struct stat st;
    if (::stat(file, &st) != 0) return;
    g_dev = st.st_dev;
    g_ino = st.st_ino;
    for (const char* p = ranges; *p != '\0' && g_range_count < kMaxRanges;) {
        char* end = nullptr;
        const uint64_t begin = std::strtoull(p, &end, 0);
        if (end == p || *end != '+') return;
        p = end + 1;
        const uint64_t length = std::strtoull(p, &end, 0);
        if (end == p) return;
        int error = EIO;
        if (*end == ':') {
            p = end + 1;
            error = static_cast<int>(std::strtol(p, &end, 10));
            if (end == p || error <= 0) return;
        }
        g_ranges[g_range_count++] = FaultRange{begin, begin + length, error};
        p = *end == ',' ? end + 1 : end;
    }
    g_sigbus_fd = ::memfd_create("kdf-read-faults", MFD_CLOEXEC);
    g_armed = g_range_count > 0;
}

bool is_fault_file(int fd) {
    if (!g_armed || fd < 0) return false;
    struct stat st;
    return ::fstat(fd, &st) == 0 && st.st_dev == g_dev && st.st_ino == g_ino;
}

// How many bytes from `offset` on may be read before a fault (`size` when none is in the way);
// 0 when `offset` itself is inside a range, with `error` set to that range's errno.
size_t readable_prefix(uint64_t offset, size_t size, int& error) {
    uint64_t limit = offset + size;
    for (int i = 0; i < g_range_count; ++i) {
        const FaultRange& r = g_ranges[i];
        if (offset >= r.begin && offset < r.end) {
            error = r.error;
            return 0;
        }
        if (r.begin > offset && r.begin < limit) limit = r.begin;
    }
    return static_cast<size_t>(limit - offset);
}

ssize_t faulty_pread(PreadFn real, int fd, void* buf, size_t size, off_t offset) {
    if (size == 0 || !is_fault_file(fd)) return real(fd, buf, size, offset);
    int error = 0;
    const size_t allowed = readable_prefix(static_cast<uint64_t>(offset), size, error);
    if (allowed == 0) {
        errno = error;
        return -1;
    }
    return real(fd, buf, allowed, offset);
}

}  // namespace

// Default visibility whatever the build sets: these names must interpose the C library's.
#define KDF_INTERPOSE __attribute__((visibility("default")))

extern "C" {

KDF_INTERPOSE ssize_t pread(int fd, void* buf, size_t size, off_t offset) {
    static PreadFn real = next_symbol<PreadFn>("pread");
    return faulty_pread(real, fd, buf, size, offset);
}

KDF_INTERPOSE ssize_t pread64(int fd, void* buf, size_t size, off_t offset) {
    static PreadFn real = next_symbol<PreadFn>("pread64");
    return faulty_pread(real, fd, buf, size, offset);
}

KDF_INTERPOSE ssize_t read(int fd, void* buf, size_t size) {
    static ReadFn real = next_symbol<ReadFn>("read");
    if (size == 0 || !is_fault_file(fd)) return real(fd, buf, size);
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    if (at < 0) return real(fd, buf, size);
    int error = 0;
    const size_t allowed = readable_prefix(static_cast<uint64_t>(at), size, error);
    if (allowed == 0) {
        errno = error;
        return -1;
    }
    return real(fd, buf, allowed);
}

static void* faulty_mmap(MmapFn real, void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
    void* base = real(addr, length, prot, flags, fd, offset);
    if (base == MAP_FAILED || !is_fault_file(fd) || g_sigbus_fd < 0) return base;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t first = static_cast<uint64_t>(offset), last = first + length;
    for (int i = 0; i < g_range_count; ++i) {
        // Whole pages: a fault anywhere in a page makes the whole page unreadable through mmap.
        const uint64_t lo = std::max(first, g_ranges[i].begin / page * page);
        const uint64_t hi = std::min(last, (g_ranges[i].end + page - 1) / page * page);
        if (lo >= hi) continue;
        void* at = static_cast<char*>(base) + (lo - first);
        if (real(at, hi - lo, PROT_READ, MAP_SHARED | MAP_FIXED, g_sigbus_fd, 0) == MAP_FAILED) {
            const int saved = errno;
            ::munmap(base, length);
            errno = saved;
            return MAP_FAILED;
        }
    }
    return base;
}

KDF_INTERPOSE void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
    static MmapFn real = next_symbol<MmapFn>("mmap");
    return faulty_mmap(real, addr, length, prot, flags, fd, offset);
}

KDF_INTERPOSE void* mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
    static MmapFn real = next_symbol<MmapFn>("mmap64");
    return faulty_mmap(real, addr, length, prot, flags, fd, offset);
}

}  // extern "C"
