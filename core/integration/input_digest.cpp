#include "core/integration/input_digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "kdf/unique_fd.h"

namespace kdf::integration {

namespace {

constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kPrime = 0x100000001b3ULL;

void mix(uint64_t& h, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= kPrime;
    }
}

// Mixes the file's bytes in; false when it cannot be read to its end.
bool mix_file(uint64_t& h, const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    std::array<char, 64 * 1024> buf{};
    uint64_t with_bytes = h;
    for (;;) {
        ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) break;
        mix(with_bytes, buf.data(), static_cast<size_t>(n));
    }
    h = with_bytes;
    return true;
}

}  // namespace

std::string input_digest(const std::vector<std::string>& paths) {
    uint64_t h = kOffsetBasis;
    for (const auto& path : paths) {
        // The path and a separator first: moving bytes from one file to the next changes the digest.
        mix(h, path.data(), path.size());
        mix(h, "\0", 1);
        uint64_t before = h;
        if (mix_file(h, path)) {
            mix(h, "\1present", 8);
        } else {
            h = before;
            mix(h, "\1absent", 7);
        }
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return std::string("fnv1a64:") + hex;
}

}  // namespace kdf::integration
