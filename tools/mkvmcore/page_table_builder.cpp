#include "tools/mkvmcore/page_table_builder.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kPresentTable = 0x067;    // _PAGE_TABLE: present, rw, user, accessed, dirty
constexpr uint64_t kLarge = 0x1e3;           // present, rw, accessed, dirty, PSE, global
constexpr uint64_t kLargeExec = 0x1e1;       // the same, read-only (kernel text)
constexpr uint64_t kSmall = 0x163;           // present, rw, accessed, dirty, global
constexpr uint64_t kNx = 1ULL << 63;
constexpr uint64_t kAddrMask = 0x000ffffffffff000ULL;

}  // namespace

Status PageTableBuilder::map_one(uint64_t vaddr, uint64_t paddr, uint64_t leaf_shift, bool exec) {
    uint64_t table = root_;
    const uint32_t top_shift = levels_ == 5 ? 48 : 39;
    for (uint32_t shift = top_shift; shift > leaf_shift; shift -= 9) {
        const uint64_t slot = table + ((vaddr >> shift) & 511) * 8;
        uint64_t e = mem_.get64(slot);
        if ((e & 1) == 0) {
            auto page = alloc_.alloc(4096, 4096, PageClass::pagetable);
            if (!page) return Status::error(Code::no_space, "kernel model: RAM too small for the page tables");
            e = *page | kPresentTable;
            mem_.put64(slot, e);
        } else if (e & 0x80) {
            return Status::error(Code::corrupt, "kernel model: overlapping mappings");
        }
        table = e & kAddrMask;
    }
    const uint64_t leaf = leaf_shift == 21 ? (exec ? kLargeExec : kLarge | kNx) : (kSmall | kNx);
    mem_.put64(table + ((vaddr >> leaf_shift) & 511) * 8, paddr | leaf);
    return Status::ok();
}

Status PageTableBuilder::map(uint64_t vaddr, uint64_t paddr, uint64_t size, bool exec) {
    constexpr uint64_t k2M = 2ULL << 20;
    for (uint64_t off = 0; off < size;) {
        const uint64_t v = vaddr + off, p = paddr + off;
        const bool big = v % k2M == 0 && p % k2M == 0 && size - off >= k2M;
        if (Status st = map_one(v, p, big ? 21 : 12, exec); !st.is_ok()) return st;
        off += big ? k2M : 4096;
    }
    return Status::ok();
}

}  // namespace kdf::mkvmcore
