// core/dmesg/cached_virtual_reader.cpp - see cached_virtual_reader.h.
#include "core/dmesg/cached_virtual_reader.h"

#include <algorithm>
#include <cstring>

#include "core/vmcore/le_bytes.h"

namespace kdf::dmesg {

const CachedVirtualReader::Page* CachedVirtualReader::page(uint64_t base) {
    ++clock_;
    Page* victim = &pages_.front();
    for (Page& p : pages_) {
        if (p.valid && p.base == base) {
            p.last_use = clock_;
            return &p;
        }
        if (!p.valid || (victim->valid && p.last_use < victim->last_use)) victim = &p;
    }
    victim->valid = false;
    if (!(*read_)(base, victim->bytes).is_ok()) return nullptr;
    victim->base = base;
    victim->last_use = clock_;
    victim->valid = true;
    return victim;
}

Status CachedVirtualReader::read(uint64_t vaddr, std::span<std::byte> out) {
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = vaddr + done;
        const uint64_t base = at - at % kPageSize;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, base + kPageSize - at));
        if (const Page* p = page(base)) {
            std::memcpy(out.data() + done, p->bytes.data() + (at - base), n);
        } else if (Status s = (*read_)(at, out.subspan(done, n)); !s.is_ok()) {
            return s;
        }
        done += n;
    }
    return Status::ok();
}

Result<uint64_t> CachedVirtualReader::u64(uint64_t vaddr) {
    std::array<std::byte, 8> b{};
    if (Status s = read(vaddr, b); !s.is_ok()) return s;
    return vmcore::load_le64(b.data());
}

Result<uint32_t> CachedVirtualReader::u32(uint64_t vaddr) {
    std::array<std::byte, 4> b{};
    if (Status s = read(vaddr, b); !s.is_ok()) return s;
    return vmcore::load_le32(b.data());
}

Result<uint16_t> CachedVirtualReader::u16(uint64_t vaddr) {
    std::array<std::byte, 2> b{};
    if (Status s = read(vaddr, b); !s.is_ok()) return s;
    return vmcore::load_le16(b.data());
}

}  // namespace kdf::dmesg
