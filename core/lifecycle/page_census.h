// core/lifecycle/page_census.h - this machine's pages, by the classes a dump level leaves out.
//
// makedumpfile's dump level is a mask of page classes to exclude: 1 zero-filled, 2 page cache
// without private data, 4 page cache with private data, 8 user (anonymous) pages, 16 free pages.
// The running kernel reports each page frame's flags in /proc/kpageflags (root only): buddy = free,
// anon = user, lru without anon = page cache (with or without the private bit). Where that file is
// not readable, /proc/meminfo's totals give the same classes more roughly (MemFree; Buffers and
// Cached; AnonPages). Zero-filled pages cannot be told from flags, so level 1 is not counted: the
// estimate is an upper bound of the pages a dump keeps before compression.
#pragma once

#include <cstdint>
#include <string>

namespace kdf::lifecycle {

struct PageCensus {
    std::string source;  // "/proc/kpageflags" or "/proc/meminfo"
    uint64_t page_size = 4096;
    uint64_t pages = 0;          // page frames that are RAM
    uint64_t cache = 0;          // level 2
    uint64_t cache_private = 0;  // level 4
    uint64_t user = 0;           // level 8
    uint64_t free = 0;           // level 16
    uint64_t mem_total_bytes = 0;  // MemTotal
};

// Reads `kpageflags` when it is readable, else `meminfo`; nullopt-like empty `source` when neither.
PageCensus take_page_census(const std::string& meminfo_path, const std::string& kpageflags_path);

// Bytes of the pages a dump at `level` keeps (upper bound: zero pages are not excluded).
uint64_t kept_bytes(const PageCensus& c, int level);

// A kB value of /proc/meminfo ("MemTotal") in bytes, or 0.
uint64_t meminfo_bytes(const std::string& meminfo_text, const std::string& key);

}  // namespace kdf::lifecycle
