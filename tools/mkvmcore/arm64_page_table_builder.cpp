#include "tools/mkvmcore/arm64_page_table_builder.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kValid = 1, kTableOrPage = 2;
constexpr uint64_t kAttrIndxNormal = 0;
constexpr uint64_t kSharedInner = 3ULL << 8;
constexpr uint64_t kRdonly = 1ULL << 7;
constexpr uint64_t kAf = 1ULL << 10;
constexpr uint64_t kDbm = 1ULL << 51;  // PTE_WRITE
constexpr uint64_t kCont = 1ULL << 52;
constexpr uint64_t kPxn = 1ULL << 53, kUxn = 1ULL << 54;
constexpr uint64_t kUxnTable = 1ULL << 60;

}  // namespace

uint64_t Arm64PageTableBuilder::encode_address(uint64_t pa) const noexcept {
    const uint64_t low = pa & ((1ULL << 48) - 1) & ~((1ULL << g_.page_shift) - 1);
    switch (g_.pa_format) {
    case Arm64PaFormat::pa48:
        return low;
    case Arm64PaFormat::lpa:
        return low | ((pa >> 48) & 0xf) << 12;
    case Arm64PaFormat::lpa2:
        return (pa & ((1ULL << 50) - 1) & ~((1ULL << g_.page_shift) - 1)) | ((pa >> 50) & 0x3) << 8;
    }
    return low;
}

uint64_t Arm64PageTableBuilder::decode_table(uint64_t d) const noexcept {
    const uint64_t page_mask = ~((1ULL << g_.page_shift) - 1);
    switch (g_.pa_format) {
    case Arm64PaFormat::pa48:
        return d & ((1ULL << 48) - 1) & page_mask;
    case Arm64PaFormat::lpa:
        return (d & ((1ULL << 48) - 1) & page_mask) | ((d >> 12) & 0xf) << 48;
    case Arm64PaFormat::lpa2:
        return (d & ((1ULL << 50) - 1) & page_mask) | ((d >> 8) & 0x3) << 50;
    }
    return 0;
}

uint64_t Arm64PageTableBuilder::index(uint64_t vaddr, int level) const noexcept {
    const uint32_t shift = g_.level_shift(level);
    // The top level holds only the entries VA_BITS leave it (2 with 16K/48, 16 with 4K/52, ...).
    const uint32_t bits = level == g_.top_level() ? g_.va_bits - shift : g_.bits_per_level();
    return (vaddr >> shift) & ((1ULL << bits) - 1);
}

uint64_t Arm64PageTableBuilder::empty_slot(uint64_t vaddr, int level) const noexcept {
    uint64_t table = root_;
    for (int l = g_.top_level(); l < level; ++l) {
        const uint64_t e = mem_.get64(table + index(vaddr, l) * 8);
        if ((e & (kValid | kTableOrPage)) != (kValid | kTableOrPage)) return 0;
        table = decode_table(e);
    }
    const uint64_t slot = table + index(vaddr, level) * 8;
    return mem_.get64(slot) == 0 ? slot : 0;
}

void Arm64PageTableBuilder::set_table(uint64_t slot, uint64_t table_paddr) {
    mem_.put64(slot, encode_address(table_paddr) | kUxnTable | kTableOrPage | kValid);
}

Status Arm64PageTableBuilder::map_one(uint64_t vaddr, uint64_t paddr, int leaf_level, uint64_t attrs) {
    uint64_t table = root_;
    const uint64_t ps = 1ULL << g_.page_shift;
    for (int level = g_.top_level(); level < leaf_level; ++level) {
        const uint64_t slot = table + index(vaddr, level) * 8;
        uint64_t e = mem_.get64(slot);
        if ((e & kValid) == 0) {
            auto page = alloc_.alloc(ps, ps, PageClass::pagetable);
            if (!page) return Status::error(Code::no_space, "kernel model: RAM too small for the page tables");
            e = encode_address(*page) | kUxnTable | kTableOrPage | kValid;
            mem_.put64(slot, e);
        } else if ((e & kTableOrPage) == 0) {
            return Status::error(Code::corrupt, "kernel model: overlapping mappings");
        }
        table = decode_table(e);
    }
    const uint64_t type = leaf_level == 3 ? (kTableOrPage | kValid) : kValid;
    mem_.put64(table + index(vaddr, leaf_level) * 8, encode_address(paddr) | attrs | type);
    return Status::ok();
}

Status Arm64PageTableBuilder::map(uint64_t vaddr, uint64_t paddr, uint64_t size, Arm64Prot prot, bool blocks) {
    uint64_t attrs = kAf | kAttrIndxNormal | (g_.pa_format == Arm64PaFormat::lpa2 ? 0 : kSharedInner);
    attrs |= prot == Arm64Prot::kernel_rox ? (kUxn | kRdonly) : (kPxn | kUxn | kDbm);
    const uint64_t ps = 1ULL << g_.page_shift;
    const uint64_t block = 1ULL << g_.level_shift(2);
    // CONT_PTES: 16 entries with 4K pages, 128 with 16K, 32 with 64K.
    const uint64_t cont = ps * (g_.page_shift == 12 ? 16 : g_.page_shift == 14 ? 128 : 32);
    for (uint64_t off = 0; off < size;) {
        const uint64_t v = vaddr + off, p = paddr + off;
        if (blocks && v % block == 0 && p % block == 0 && size - off >= block) {
            if (Status st = map_one(v, p, 2, attrs); !st.is_ok()) return st;
            off += block;
            continue;
        }
        const bool in_group = (v & ~(cont - 1)) >= vaddr && (v & ~(cont - 1)) + cont <= vaddr + size &&
                              (v - p) % cont == 0;
        if (Status st = map_one(v, p, 3, attrs | (in_group ? kCont : 0)); !st.is_ok()) return st;
        off += ps;
    }
    return Status::ok();
}

}  // namespace kdf::mkvmcore
