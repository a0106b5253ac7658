// core/arch/x86_64/x86_64_translator.cpp - see x86_64_translator.h.
#include "core/arch/x86_64/x86_64_translator.h"

#include <array>
#include <cstdio>

#include "core/common/number_text.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::arch {
namespace {

constexpr uint64_t kPresent = 1ULL << 0;
constexpr uint64_t kPageSize2 = 1ULL << 7;        // PS: this PUD/PMD entry is a 1 GiB/2 MiB leaf
constexpr uint64_t kAddressBits = 0x000ffffffffff000ULL;  // bits 12..51 of an entry
constexpr uint64_t kDefaultImageSize = 1ULL << 30;  // KERNEL_IMAGE_SIZE with KASLR (since 4.x)

using common::hex;

const char* level_name(int level) {  // level 5 is the top of 5-level paging
    switch (level) {
        case 5: return "PGD";
        case 4: return "P4D";
        case 3: return "PUD";
        case 2: return "PMD";
        default: return "PTE";
    }
}

}  // namespace

Result<std::unique_ptr<X86_64Translator>> X86_64Translator::create(const vmcore::PhysicalMemory& memory) {
    const vmcore::VmcoreInfo& info = memory.vmcoreinfo();
    auto bad = [&](const std::string& why) {
        return Status::error(Code::corrupt, memory.path() + ": VMCOREINFO " + why + ": kernel addresses cannot be translated");
    };
    auto t = std::make_unique<X86_64Translator>(Token{}, memory);
    auto phys_base = info.number("phys_base");
    if (!phys_base) return bad("has no NUMBER(phys_base)");
    t->phys_base_ = static_cast<uint64_t>(*phys_base);  // negative is real: two's complement wraps right
    auto l5 = info.number("pgtable_l5_enabled");
    if (l5 && *l5 != 0 && *l5 != 1) return bad("NUMBER(pgtable_l5_enabled)=" + std::to_string(*l5) + " is neither 0 nor 1");
    t->levels_ = (l5 && *l5 == 1) ? 5 : 4;
    auto image_size = info.number("KERNEL_IMAGE_SIZE");
    t->image_size_ = image_size && *image_size > 0 ? static_cast<uint64_t>(*image_size) : kDefaultImageSize;
    auto sme = info.number("sme_mask");
    t->entry_mask_ = kAddressBits & ~(sme ? static_cast<uint64_t>(*sme) : 0);

    auto root = info.symbol("init_top_pgt");
    if (!root) root = info.symbol("swapper_pg_dir");
    if (!root) return bad("has neither SYMBOL(init_top_pgt) nor SYMBOL(swapper_pg_dir)");
    if (*root < kStartKernelMap || *root - kStartKernelMap >= t->image_size_ || *root % 4096 != 0)
        return bad("page-table root " + hex(*root) + " is not a page inside the kernel image");
    t->root_paddr_ = *root - kStartKernelMap + t->phys_base_;
    std::array<std::byte, 8> probe{};
    if (!memory.read_phys(t->root_paddr_, probe).is_ok())
        return bad("page-table root " + hex(*root) + " (physical " + hex(t->root_paddr_) + ", from phys_base) is not in the dump");
    t->prove_direct_map();
    return t;
}

Result<Translation> X86_64Translator::translate(uint64_t vaddr) const {
    // The kernel image is mapped linearly at phys_base (the kernel's own __pa_symbol()).
    if (vaddr >= kStartKernelMap && vaddr - kStartKernelMap < image_size_) {
        const uint64_t into = vaddr - kStartKernelMap;
        return Translation{into + phys_base_, image_size_ - into};
    }
    if (page_offset_ && vaddr >= *page_offset_) {
        const uint64_t paddr = vaddr - *page_offset_;
        // Linear as far as the RAM range goes; past it another translation says what is there.
        if (const uint64_t held = memory_->held_from(paddr); held > 0) return Translation{paddr, held};
    }
    return walk(vaddr);
}

Result<Translation> X86_64Translator::walk(uint64_t vaddr) const {
    // Canonical form: bits above the top level's index must all copy the highest index bit.
    const int top_bit = levels_ == 5 ? 56 : 47;
    const uint64_t upper = vaddr >> top_bit;
    const uint64_t all_ones = (~0ULL) >> top_bit;
    if (upper != 0 && upper != all_ones)
        return Status::error(Code::corrupt, "virtual address " + hex(vaddr) + " is not canonical for " +
                                                std::to_string(levels_) + "-level paging");
    uint64_t table = root_paddr_;
    for (int level = levels_; level >= 1; --level) {
        const int shift = 12 + 9 * (level - 1);
        const uint64_t index = (vaddr >> shift) & 0x1ff;
        std::array<std::byte, 8> raw{};
        const uint64_t entry_addr = table + index * 8;
        Status s = memory_->read_phys(entry_addr, raw);
        if (!s.is_ok() && s.code() != Code::not_found)  // there, but unreadable: keep the reason
            return Status::error(Code::corrupt, std::string(level_name(level)) + " table for " + hex(vaddr) +
                                                    " at physical " + hex(table) + " cannot be read: " + s.message());
        if (!s.is_ok())
            return Status::error(Code::corrupt, std::string(level_name(level)) + " table for " + hex(vaddr) +
                                                    " is at physical " + hex(table) + ", outside the dump");
        const uint64_t entry = vmcore::load_le64(raw.data());
        if ((entry & kPresent) == 0)
            return Status::error(Code::not_found, "virtual address " + hex(vaddr) + " is not mapped (" +
                                                      level_name(level) + " entry " + hex(entry) + ")");
        const uint64_t next = entry & entry_mask_;
        if (level == 1) return Translation{next | (vaddr & 0xfff), 4096 - (vaddr & 0xfff)};
        if ((level == 3 || level == 2) && (entry & kPageSize2) != 0) {
            const uint64_t span = 1ULL << shift;
            return Translation{(next & ~(span - 1)) | (vaddr & (span - 1)), span - (vaddr & (span - 1))};
        }
        table = next;
    }
    return Status::error(Code::corrupt, "page walk for " + hex(vaddr) + " did not end");  // unreachable
}

// The kernel writes each RAM PT_LOAD's p_vaddr as its direct-map address. If they all agree on
// one base and the page tables confirm it at both ends of every range, direct-map reads skip
// the walk; if anything disagrees the shortcut is simply not used (the walk is always right).
void X86_64Translator::prove_direct_map() {
    std::optional<uint64_t> base;
    for (const vmcore::LoadSegment& seg : memory_->load_segments()) {
        if (seg.alias || seg.mem_size == 0) continue;
        const uint64_t b = seg.vaddr - seg.paddr;
        if (seg.vaddr == 0 || (base && *base != b)) return;
        base = b;
    }
    if (!base || *base < (1ULL << 63)) return;  // the direct map is in the kernel half
    for (const vmcore::LoadSegment& seg : memory_->load_segments()) {
        if (seg.alias || seg.mem_size < 4096) continue;
        for (uint64_t paddr : {seg.paddr, seg.phys_end() - 4096}) {
            auto walked = walk(*base + (paddr & ~0xfffULL));
            if (!walked.is_ok() || walked.value().paddr != (paddr & ~0xfffULL)) return;
        }
    }
    page_offset_ = base;
}

std::string X86_64Translator::describe() const {
    std::string s = "x86_64, " + std::to_string(levels_) + "-level paging, phys_base " + hex(phys_base_);
    if (page_offset_) s += ", direct map at " + hex(*page_offset_);
    const auto kaslr = memory_->vmcoreinfo().kerneloffset();
    if (kaslr) s += ", KASLR offset " + hex(*kaslr);
    return s;
}

}  // namespace kdf::arch
