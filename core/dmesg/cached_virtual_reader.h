// core/dmesg/cached_virtual_reader.h - kernel virtual memory read through a few cached pages.
//
// The log readers walk three arrays at once (descriptors, infos, text) a few bytes at a time; each
// uncached read would translate (walk the page tables) and pread again. A handful of 4 KiB pages,
// least recently used out, makes that one translation and one pread per page, with memory fixed
// at kPages pages whatever the ring size. A page that cannot be read whole (the edge of a dump
// range) is not cached: the bytes asked for are read directly, so the error names them.
// Not thread-safe (the cache is state); one per walk.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/dmesg/kernel_log.h"

namespace kdf::dmesg {

class CachedVirtualReader {
public:
    static constexpr uint64_t kPageSize = 4096;
    static constexpr size_t kPages = 8;

    explicit CachedVirtualReader(const ReadVirtual& read) : read_(&read) {}

    Status read(uint64_t vaddr, std::span<std::byte> out);
    Result<uint64_t> u64(uint64_t vaddr);
    Result<uint32_t> u32(uint64_t vaddr);
    Result<uint16_t> u16(uint64_t vaddr);

private:
    struct Page {
        uint64_t base = 0;
        uint64_t last_use = 0;
        bool valid = false;
        std::array<std::byte, kPageSize> bytes{};
    };

    // The cached page holding `base`, loaded if needed; nullptr when it cannot be read whole.
    const Page* page(uint64_t base);

    const ReadVirtual* read_;
    std::vector<Page> pages_ = std::vector<Page>(kPages);
    uint64_t clock_ = 0;
};

}  // namespace kdf::dmesg
