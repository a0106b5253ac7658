// core/arch/arm64/arm64_translator.cpp - see arm64_translator.h.
#include "core/arch/arm64/arm64_translator.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/common/number_text.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::arch {
namespace {

constexpr uint64_t kValid = 1ULL << 0;
constexpr uint64_t kImageSegment = 64 * 1024;  // SEGMENT_ALIGN: the image's mapping changes only at these
constexpr uint64_t kTableOrPage = 1ULL << 1;  // with kValid: a table (levels < 3) or a page (level 3)

using common::hex;

uint64_t bits_between(int low, int high) {  // bits low..high inclusive
    return ((~0ULL) >> (63 - high)) & ~((1ULL << low) - 1);
}

// Top-byte-ignore: the MMU does not look at bits 63:56, where KASAN (software and hardware tags)
// and MTE keep a tag. Bit 55 picks the half, so copying it over the top byte gives the address
// the hardware translates (the kernel's __tag_reset does the same).
uint64_t untagged(uint64_t vaddr) {
    return static_cast<uint64_t>(static_cast<int64_t>(vaddr << 8) >> 8);
}

}  // namespace

Result<std::unique_ptr<Arm64Translator>> Arm64Translator::create(const vmcore::PhysicalMemory& memory) {
    auto layout = Arm64Layout::from(memory.vmcoreinfo(), memory.path());
    if (!layout.is_ok()) return layout.take_status();
    auto t = std::make_unique<Arm64Translator>(Token{}, memory, std::move(layout).value());
    const Arm64Layout& l = t->layout_;
    std::string how;
    if (l.kimage_voffset) {
        t->root_paddr_ = l.root_vaddr - *l.kimage_voffset;
        how = "NUMBER(kimage_voffset)=" + hex(*l.kimage_voffset);
    } else if (l.in_linear_region(l.root_vaddr)) {  // before 4.6 the image sat in the linear map
        t->root_paddr_ = l.linear_to_physical(l.root_vaddr);
        how = "NUMBER(PHYS_OFFSET)=" + hex(l.phys_offset);
    } else {
        return Status::error(Code::corrupt, memory.path() + ": VMCOREINFO has no NUMBER(kimage_voffset) and SYMBOL(swapper_pg_dir)=" +
                                                hex(l.root_vaddr) + " is outside the linear map: kernel addresses cannot be translated");
    }
    std::array<std::byte, 8> probe{};
    if (!memory.read_phys(t->root_paddr_, probe).is_ok())
        return Status::error(Code::corrupt, memory.path() + ": VMCOREINFO SYMBOL(swapper_pg_dir)=" + hex(l.root_vaddr) +
                                                " lands at physical " + hex(t->root_paddr_) + " (from " + how +
                                                "), which the dump does not hold: kernel addresses cannot be translated");
    t->prove_linear_map();
    t->prove_kernel_image();
    return t;
}

Result<Translation> Arm64Translator::translate(uint64_t vaddr) const {
    vaddr = untagged(vaddr);
    if (vaddr >= image_start_ && vaddr < image_end_) {
        auto next = std::upper_bound(image_holes_.begin(), image_holes_.end(), vaddr);
        const bool in_hole = next != image_holes_.begin() && vaddr < *(next - 1) + kImageSegment;
        if (!in_hole) {
            const uint64_t stop = next == image_holes_.end() ? image_end_ : std::min(image_end_, *next);
            return Translation{vaddr - *layout_.kimage_voffset, stop - vaddr};
        }
    }
    if (linear_proven_ && layout_.in_linear_region(vaddr)) {
        const uint64_t paddr = layout_.linear_to_physical(vaddr);
        // Linear as far as the RAM range goes; past it the walk says what is there.
        if (uint64_t held = memory_->held_from(paddr); held > 0) {
            if (layout_.linear_end != 0) held = std::min(held, layout_.linear_end - vaddr);
            return Translation{paddr, held};
        }
    }
    return walk(vaddr);
}

uint64_t Arm64Translator::output_address(uint64_t entry) const noexcept {
    const int ps = layout_.page_shift;
    if (layout_.lpa2) return (entry & bits_between(ps, 49)) | (((entry >> 8) & 0x3) << 50);
    // 64 KiB: bits [15:12] are PA[51:48] with FEAT_LPA and RES0 without it, so they are read
    // whatever MAX_PHYSMEM_BITS says (a kernel may not export it).
    if (layout_.page_size == 65536)
        return (entry & bits_between(16, 47)) | (((entry >> 12) & 0xf) << 48);
    return entry & bits_between(ps, 47);
}

bool Arm64Translator::block_allowed(int level) const noexcept {
    switch (layout_.page_size) {
        case 4096: return level == 1 || level == 2 || (level == 0 && layout_.lpa2);
        case 16384: return level == 2 || (level == 1 && layout_.lpa2);
        default: return level == 2 || (level == 1 && layout_.pa_bits == 52);
    }
}

Result<Translation> Arm64Translator::walk(uint64_t vaddr) const {
    const Arm64Layout& l = layout_;
    vaddr = untagged(vaddr);
    if (vaddr < l.kernel_space_start())
        return Status::error(Code::corrupt, "virtual address " + hex(vaddr) + " is not a kernel address for " +
                                                std::to_string(l.va_bits_actual) + "-bit kernel VAs");
    const int bits = l.page_shift - 3;  // index bits per level
    const int top = 4 - l.levels;       // lookup level of swapper_pg_dir: -1 to 2
    uint64_t table = root_paddr_;
    for (int level = top; level <= 3; ++level) {
        const int shift = l.page_shift + bits * (3 - level);
        const int index_bits = level == top ? l.root_va_bits() - shift : bits;
        const uint64_t index = (vaddr >> shift) & ((1ULL << index_bits) - 1);
        std::array<std::byte, 8> raw{};
        Status s = memory_->read_phys(table + index * 8, raw);
        // Built only on the way out: a walk is on the hot path of every mem_map read.
        auto where = [&] { return "level " + std::to_string(level) + " table for " + hex(vaddr); };
        if (!s.is_ok() && s.code() != Code::not_found)  // there, but unreadable: keep the reason
            return Status::error(Code::corrupt, where() + " at physical " + hex(table) + " cannot be read: " + s.message());
        if (!s.is_ok()) return Status::error(Code::corrupt, where() + " is at physical " + hex(table) + ", outside the dump");
        const uint64_t entry = vmcore::load_le64(raw.data());
        const bool valid = (entry & kValid) != 0 && (level < 3 || (entry & kTableOrPage) != 0);
        if (!valid)
            return Status::error(Code::not_found, "virtual address " + hex(vaddr) + " is not mapped (level " +
                                                      std::to_string(level) + " entry " + hex(entry) + ")");
        const uint64_t out = output_address(entry);
        const uint64_t span = 1ULL << shift;
        if (level == 3) return Translation{out | (vaddr & (span - 1)), span - (vaddr & (span - 1))};
        if ((entry & kTableOrPage) == 0) {
            if (!block_allowed(level))
                return Status::error(Code::corrupt, where() + ": entry " + hex(entry) + " is a block, which level " +
                                                        std::to_string(level) + " cannot hold with " +
                                                        std::to_string(l.page_size / 1024) + " KiB pages");
            return Translation{(out & ~(span - 1)) | (vaddr & (span - 1)), span - (vaddr & (span - 1))};
        }
        table = out;
    }
    return Status::error(Code::corrupt, "page walk for " + hex(vaddr) + " did not end");  // unreachable
}

// The linear formula is used only where the walk agrees with it: at the first and last page of
// every RAM range the dump records, and at mem_section (which the kernel allocated in the linear
// map). One disagreement and every linear address is walked instead: the walk is always right.
void Arm64Translator::prove_linear_map() {
    const Arm64Layout& l = layout_;
    std::vector<uint64_t> points;
    for (const vmcore::LoadSegment& seg : memory_->load_segments()) {
        if (seg.alias || seg.mem_size < l.page_size) continue;
        points.push_back(l.linear_base - l.phys_offset + seg.paddr);
        points.push_back(l.linear_base - l.phys_offset + seg.phys_end() - l.page_size);
    }
    if (auto ms = memory_->vmcoreinfo().symbol("mem_section"); ms && l.in_linear_region(*ms)) points.push_back(*ms);
    for (uint64_t v : points) {
        if (!l.in_linear_region(v)) return;
        auto walked = walk(v);
        if (!walked.is_ok() || walked.value().paddr != l.linear_to_physical(v)) return;
    }
    linear_proven_ = !points.empty();
}

// The kernel-image PT_LOAD is the image's own mapping: vaddr - paddr must be kimage_voffset. The
// image header before _stext (64 KiB) is not mapped, so the shortcut starts at _stext. Both ends
// must agree with the walk; in between, each 64 KiB segment is checked at its first page and the
// ones that do not agree (the init section, unmapped once boot is done) are walked instead.
void Arm64Translator::prove_kernel_image() {
    if (!layout_.kimage_voffset) return;
    const uint64_t voffset = *layout_.kimage_voffset;
    const uint64_t page = layout_.page_size;
    for (const vmcore::LoadSegment& seg : memory_->load_segments()) {
        if (seg.mem_size < page || seg.vaddr - seg.paddr != voffset) continue;
        uint64_t start = seg.vaddr;
        const uint64_t end = seg.vaddr + seg.mem_size;
        if (auto stext = memory_->vmcoreinfo().symbol("_stext"); stext && *stext >= start && *stext < end)
            start = *stext & ~(page - 1);
        auto agrees = [&](uint64_t v) {
            auto walked = walk(v);
            return walked.is_ok() && walked.value().paddr == v - voffset;
        };
        if (!agrees(start) || !agrees(end - page)) return;
        for (uint64_t segment = start & ~(kImageSegment - 1); segment < end; segment += kImageSegment)
            if (!agrees(std::max(segment, start))) image_holes_.push_back(segment);
        image_start_ = start;
        image_end_ = end;
        return;
    }
}

std::string Arm64Translator::describe() const {
    const Arm64Layout& l = layout_;
    std::string s = "arm64, " + std::to_string(l.page_size / 1024) + " KiB pages, " + std::to_string(l.va_bits_actual) +
                    "-bit kernel VA";
    if (l.va_bits_actual != l.va_bits) s += " (VA_BITS " + std::to_string(l.va_bits) + ")";
    s += ", " + std::to_string(l.levels) + "-level tables, " + std::to_string(l.pa_bits) + "-bit PA";
    if (l.lpa2) s += " (LPA2)";
    s += ", PHYS_OFFSET " + hex(l.phys_offset);
    if (l.kimage_voffset) s += ", kimage_voffset " + hex(*l.kimage_voffset);
    s += std::string(l.flipped ? ", 5.4+ layout" : ", pre-5.4 layout");
    if (linear_proven_) s += ", linear map at " + hex(l.linear_start);
    if (auto kaslr = memory_->vmcoreinfo().kerneloffset()) s += ", KASLR offset " + hex(*kaslr);
    if (l.pac_mask != 0) s += ", PAC mask " + hex(l.pac_mask);
    return s;
}

}  // namespace kdf::arch
