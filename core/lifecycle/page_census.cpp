#include "core/lifecycle/page_census.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "core/config/mount_info.h"
#include "kdf/unique_fd.h"

namespace kdf::lifecycle {

namespace {

// Bits of /proc/kpageflags (the kernel's uapi kernel-page-flags.h and fs/proc/page.c).
constexpr int kLru = 5, kBuddy = 10, kAnon = 12, kNoPage = 20, kPrivate = 35, kPrivate2 = 36;

bool bit(uint64_t flags, int b) { return (flags >> b) & 1; }

bool census_from_kpageflags(const std::string& path, PageCensus& c) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    std::vector<uint64_t> buf(1 << 15);
    uint64_t seen = 0;
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size() * sizeof(uint64_t));
        if (n < 0) return false;
        if (n == 0) break;
        for (size_t i = 0; i < static_cast<size_t>(n) / sizeof(uint64_t); ++i) {
            const uint64_t f = buf[i];
            ++seen;
            if (bit(f, kNoPage)) continue;
            ++c.pages;
            if (bit(f, kBuddy)) ++c.free;
            else if (bit(f, kAnon)) ++c.user;
            else if (bit(f, kLru)) ++(bit(f, kPrivate) || bit(f, kPrivate2) ? c.cache_private : c.cache);
        }
    }
    if (seen == 0) return false;
    c.source = path;
    return true;
}

}  // namespace

uint64_t meminfo_bytes(const std::string& text, const std::string& key) {
    const std::string k = "\n" + key + ":";
    size_t at = ("\n" + text).find(k);
    if (at == std::string::npos) return 0;
    return std::strtoull(text.c_str() + at + k.size() - 1, nullptr, 10) * 1024;
}

PageCensus take_page_census(const std::string& meminfo_path, const std::string& kpageflags_path) {
    PageCensus c;
    c.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::string meminfo = chain::read_small_file(meminfo_path).value_or("");
    c.mem_total_bytes = meminfo_bytes(meminfo, "MemTotal");
    if (census_from_kpageflags(kpageflags_path, c)) return c;
    c = PageCensus{};
    c.page_size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    c.mem_total_bytes = meminfo_bytes(meminfo, "MemTotal");
    if (c.mem_total_bytes == 0) return c;
    c.source = meminfo_path;
    c.pages = c.mem_total_bytes / c.page_size;
    c.free = meminfo_bytes(meminfo, "MemFree") / c.page_size;
    c.cache = (meminfo_bytes(meminfo, "Buffers") + meminfo_bytes(meminfo, "Cached")) / c.page_size;
    c.user = meminfo_bytes(meminfo, "AnonPages") / c.page_size;
    return c;
}

uint64_t kept_bytes(const PageCensus& c, int level) {
    uint64_t excluded = 0;
    if (level & 2) excluded += c.cache;
    if (level & 4) excluded += c.cache_private;
    if (level & 8) excluded += c.user;
    if (level & 16) excluded += c.free;
    return (c.pages - std::min(c.pages, excluded)) * c.page_size;
}

}  // namespace kdf::lifecycle
