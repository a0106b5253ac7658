#include "tools/mkvmcore/page_content.h"

#include <cstdio>
#include <cstring>

#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {
namespace {

void store_le64(std::byte* p, uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

uint64_t xorshift64(uint64_t& s) noexcept {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

constexpr const char* kWords[] = {
    "kdf-sample", "ext4",   "nvme0n1", "memory", "page",    "alloc",   "flush",  "sched",  "worker",
    "irq",        "device", "link",    "up",     "timeout", "retry",   "cache",  "dirty",  "writeback",
    "pid",        "task",   "cpu",     "slab",   "buffer",  "request", "queue",  "mapped", "reclaim",
    "audit",      "netdev", "eth0",    "tx",     "rx",      "error",   "warning", "info",  "debug",
};
constexpr size_t kWordCount = sizeof kWords / sizeof kWords[0];

void fill_text(std::byte* body, size_t size, uint64_t pfn, uint64_t state) noexcept {
    char* out = reinterpret_cast<char*>(body);
    size_t used = 0;
    uint64_t usec = (state % 100000) * 1000;
    for (;;) {
        char line[160];
        usec += xorshift64(state) % 5000000;
        int n = std::snprintf(line, sizeof line, "[%6llu.%06llu] pfn 0x%llx:", static_cast<unsigned long long>(usec / 1000000),
                              static_cast<unsigned long long>(usec % 1000000), static_cast<unsigned long long>(pfn));
        size_t len = n > 0 ? static_cast<size_t>(n) : 0;
        unsigned words = 4 + static_cast<unsigned>(xorshift64(state) % 9);
        for (unsigned w = 0; w < words; ++w) {
            const char* word = kWords[xorshift64(state) % kWordCount];
            size_t wl = std::strlen(word);
            if (len + 1 + wl + 1 >= sizeof line) break;
            line[len++] = ' ';
            std::memcpy(line + len, word, wl);
            len += wl;
        }
        line[len++] = '\n';
        if (used + len > size) break;
        std::memcpy(out + used, line, len);
        used += len;
    }
    std::memset(out + used, 0, size - used);
}

}  // namespace

PageKind PageContent::kind(uint64_t pfn) const noexcept {
    uint64_t r = mix64(seed_ ^ mix64(pfn)) % mix_.total();
    if (r < mix_.zero) return PageKind::zero;
    r -= mix_.zero;
    if (r < mix_.repeat) return PageKind::repeat;
    r -= mix_.repeat;
    if (r < mix_.random) return PageKind::random;
    return PageKind::text;
}

bool PageContent::fill(uint64_t pfn, std::span<std::byte> page) const noexcept {
    const PageKind k = kind(pfn);
    if (k == PageKind::zero) {
        std::memset(page.data(), 0, page.size());
        return false;
    }
    std::memcpy(page.data(), kPageMagic, sizeof kPageMagic);
    store_le64(page.data() + 8, pfn);
    std::byte* body = page.data() + kPageHeaderSize;
    const size_t body_size = page.size() - kPageHeaderSize;
    uint64_t state = mix64(seed_ * 0x2545f4914f6cdd1dULL ^ pfn) | 1;  // xorshift needs a non-zero state
    switch (k) {
    case PageKind::repeat: {
        std::byte pattern[8];
        store_le64(pattern, state);
        for (size_t i = 0; i + 8 <= body_size; i += 8) std::memcpy(body + i, pattern, 8);
        break;
    }
    case PageKind::random:
        for (size_t i = 0; i + 8 <= body_size; i += 8) store_le64(body + i, xorshift64(state));
        break;
    case PageKind::text:
        fill_text(body, body_size, pfn, state);
        break;
    case PageKind::zero:
        break;
    }
    return true;
}

}  // namespace kdf::mkvmcore
