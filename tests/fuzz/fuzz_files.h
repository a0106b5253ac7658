// tests/fuzz/fuzz_files.h - the files a fuzz target hands to readers that take a path.
//
// The readers under test open paths (a vmcore, a dump, a raw device), so each input becomes an
// anonymous in-memory file (memfd) reached as /proc/self/fd/N: no disk I/O per execution and
// nothing left behind when the fuzzer is killed. Outputs the code under test writes (convert, save)
// go to a fresh directory under /dev/shm that ScratchDir removes again.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

#include "kdf/unique_fd.h"

namespace kdf::fuzz {

// The input bytes as a file; aborts when the file cannot be made (the run would prove nothing).
class MemoryFile {
public:
    explicit MemoryFile(std::span<const uint8_t> bytes) : fd_(::memfd_create("kdf-fuzz-input", MFD_CLOEXEC)) {
        if (!fd_) std::abort();
        size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(fd_.get(), bytes.data() + done, bytes.size() - done);
            if (n <= 0) std::abort();
            done += static_cast<size_t>(n);
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_.get());
    }
    const std::string& path() const noexcept { return path_; }
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
    std::string path_;
};

// An empty directory for one execution's outputs, removed with everything in it.
class ScratchDir {
public:
    ScratchDir() {
        char name[] = "/dev/shm/kdf-fuzz-XXXXXX";
        if (::mkdtemp(name) == nullptr) std::abort();
        path_ = name;
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// A broken promise of the code under test: says which, then crashes so the fuzzer keeps the input.
[[noreturn]] inline void broken(const char* promise, const std::string& detail = {}) {
    std::fprintf(stderr, "fuzz: broken promise: %s%s%s\n", promise, detail.empty() ? "" : ": ", detail.c_str());
    __builtin_trap();
}

inline std::span<const std::byte> as_bytes(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const std::byte*>(data), size};
}

}  // namespace kdf::fuzz
