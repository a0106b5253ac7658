#include "tools/mkvmcore/phys_overlay.h"

#include <cstring>

namespace kdf::mkvmcore {

std::byte* PhysOverlay::at(uint64_t paddr) {
    auto [it, inserted] = pages_.try_emplace(paddr / 4096);
    if (inserted) it->second.fill(std::byte{0});
    return it->second.data() + paddr % 4096;
}

void PhysOverlay::put64(uint64_t paddr, uint64_t value) {
    std::byte* p = at(paddr);  // callers keep 8-byte values inside one page (they are aligned)
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(value >> (8 * i));
}

void PhysOverlay::put32(uint64_t paddr, uint32_t value) {
    std::byte* p = at(paddr);
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(value >> (8 * i));
}

void PhysOverlay::put_bytes(uint64_t paddr, std::span<const std::byte> bytes) {
    for (size_t done = 0; done < bytes.size();) {
        const size_t room = 4096 - (paddr + done) % 4096;
        const size_t n = std::min(room, bytes.size() - done);
        std::memcpy(at(paddr + done), bytes.data() + done, n);
        done += n;
    }
}

void PhysOverlay::put_string(uint64_t paddr, std::string_view text) {
    put_bytes(paddr, std::as_bytes(std::span(text.data(), text.size())));
}

uint64_t PhysOverlay::get64(uint64_t paddr) const noexcept {
    const std::byte* p = page(paddr / 4096);
    if (p == nullptr) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<uint64_t>(p[paddr % 4096 + static_cast<size_t>(i)]);
    return v;
}

const std::byte* PhysOverlay::page(uint64_t pfn) const noexcept {
    auto it = pages_.find(pfn);
    return it == pages_.end() ? nullptr : it->second.data();
}

}  // namespace kdf::mkvmcore
