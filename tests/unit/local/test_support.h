// test_support.h - real temp dirs, real tmpfs mounts and small helpers for the `local` tests.
#pragma once

#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/transport.h"

namespace kdf::local::test {

// mkdtemp under /tmp, removed with everything in it on destruction.
using TempDir = kdf::test::TempDir;

// A real tmpfs of `size` mounted on `dir` (tests run as root); unmounted on destruction.
class TmpfsMount {
public:
    TmpfsMount(const std::string& dir, const std::string& size) : dir_(dir) {
        std::string opts = "size=" + size + ",mode=0755";
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
        if (!mounted_) error_ = std::strerror(errno);
    }
    ~TmpfsMount() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

// `dir` bind-mounted onto itself: a mount point on the same device (st_dev equal to its parent's),
// so only /proc/self/mountinfo can tell. Unmounted on destruction.
class BindMount {
public:
    explicit BindMount(const std::string& dir) : dir_(dir) {
        mounted_ = ::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr) == 0;
        if (!mounted_) error_ = std::strerror(errno);
    }
    ~BindMount() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    BindMount(const BindMount&) = delete;
    BindMount& operator=(const BindMount&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& error() const { return error_; }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

inline TargetConfig target(std::map<std::string, std::string> keys) {
    TargetConfig t;
    t.name = "t";
    t.type = "local";
    t.where = "test.conf:1";
    int line = 2;
    for (auto& [k, v] : keys) t.options[k] = OptionValue{v, "test.conf:" + std::to_string(line++)};
    return t;
}

inline DumpInfo dump_info(uint64_t size_hint = 0) {
    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-11-23-19:04:05";
    d.final_name = "vmcore";
    d.format = "kdump";
    d.size_hint = size_hint;
    d.started_unix = 1'795'000'000;
    return d;
}

// Deterministic, non-repeating-looking bytes so misplaced chunks show up.
inline std::vector<std::byte> pattern(size_t size, uint32_t seed) {
    std::vector<std::byte> out(size);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : out) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        b = static_cast<std::byte>(x);
    }
    return out;
}

inline std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

inline std::span<const std::byte> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

inline unsigned mode_of(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return 0;
    return st.st_mode & 07777;
}

// A regular file of `size` bytes standing in for a block device.
inline void make_device(const std::string& path, uint64_t size) {
    std::ofstream(path, std::ios::binary).close();
    std::filesystem::resize_file(path, size);
}

}  // namespace kdf::local::test
