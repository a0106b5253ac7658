// core/filter/mem_map.cpp - see mem_map.h.
#include "core/filter/mem_map.h"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "core/common/number_text.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::filter {
namespace {

constexpr uint64_t kSectionMarkedPresent = 1;
constexpr uint64_t kSectionMapMask = ~((1ULL << 5) - 1);  // SECTION_MAP_LAST_BIT is 1 << 5 since 4.13

using common::hex;

struct Sparse {
    const arch::KernelMemory* mem;
    uint64_t struct_size;
    uint64_t section_size;  // SIZE(mem_section)
    uint64_t map_offset;    // OFFSET(mem_section.section_mem_map)
    uint64_t pages_per_section;
    uint64_t num_sections;
    uint64_t max_mapnr;
    uint64_t kernel_floor;
    bool extreme;
    uint64_t per_root;  // sections per root

    // One section's entry -> a chunk, or nothing. False when a present section's mem_map is not a
    // kernel address (the roots array was the wrong one).
    bool add(const std::byte* entry, uint64_t nr, MemMapLayout& out) const {
        const uint64_t map = vmcore::load_le64(entry + map_offset);
        if ((map & kSectionMarkedPresent) == 0) return true;
        const uint64_t first = nr * pages_per_section;
        const uint64_t vaddr = (map & kSectionMapMask) + first * struct_size;
        if (vaddr < kernel_floor) return false;
        out.chunks.push_back({first, std::min(first + pages_per_section, max_mapnr), vaddr});
        return true;
    }

    // makedumpfile's validate_mem_section(): true when at least one section is present and every
    // present one has a kernel-address mem_map.
    bool validate(uint64_t roots_addr, MemMapLayout& out) const {
        out.chunks.clear();
        out.unreadable_sections = 0;
        std::vector<std::byte> block;
        if (extreme) {
            const uint64_t roots = (num_sections + per_root - 1) / per_root;
            std::vector<std::byte> root_ptrs(roots * 8);
            if (!mem->read(roots_addr, root_ptrs).is_ok()) return false;
            block.resize(per_root * section_size);
            for (uint64_t r = 0; r < roots; ++r) {
                const uint64_t root = vmcore::load_le64(root_ptrs.data() + r * 8);
                const uint64_t first_nr = r * per_root;
                const uint64_t n = std::min(per_root, num_sections - first_nr);
                if (root == 0) continue;  // no sections allocated under this root
                if (root < kernel_floor || !mem->read(root, std::span(block.data(), n * section_size)).is_ok()) {
                    out.unreadable_sections += n;
                    continue;
                }
                for (uint64_t i = 0; i < n; ++i)
                    if (!add(block.data() + i * section_size, first_nr + i, out)) return false;
            }
        } else {
            // A static array of sections; read it a page of entries at a time.
            const uint64_t per_read = std::max<uint64_t>(1, 4096 / section_size);
            block.resize(per_read * section_size);
            for (uint64_t nr = 0; nr < num_sections; nr += per_read) {
                const uint64_t n = std::min(per_read, num_sections - nr);
                if (!mem->read(roots_addr + nr * section_size, std::span(block.data(), n * section_size)).is_ok()) {
                    out.unreadable_sections += n;
                    continue;
                }
                for (uint64_t i = 0; i < n; ++i)
                    if (!add(block.data() + i * section_size, nr + i, out)) return false;
            }
        }
        return !out.chunks.empty();
    }
};

}  // namespace

Result<MemMapLayout> MemMapLayout::find(const arch::KernelMemory& mem, const vmcore::VmcoreInfo& info,
                                        uint64_t struct_size, uint64_t max_mapnr, uint64_t kernel_floor) {
    MemMapLayout out;
    const uint64_t page_size = info.page_size().value_or(4096);
    if (!std::has_single_bit(page_size)) return Status::error(Code::corrupt, "PAGESIZE is not a power of two");
    const int page_shift = std::countr_zero(page_size);

    if (info.symbol("node_data") && info.length("node_data") && info.offset("pglist_data.node_mem_map"))
        return Status::error(Code::not_found, "DISCONTIGMEM kernels (pglist_data.node_mem_map) are not supported");

    auto ms = info.symbol("mem_section");
    auto ms_size = info.size("mem_section");
    auto ms_map = info.offset("mem_section.section_mem_map");
    if (ms && ms_size && ms_map) {
        auto bits = info.number("SECTION_SIZE_BITS");
        if (!bits || *bits <= page_shift || *bits > 40)
            return Status::error(Code::not_found, "VMCOREINFO has SYMBOL(mem_section) but no usable NUMBER(SECTION_SIZE_BITS)");
        if (*ms_size < 8 || *ms_size > page_size || *ms_map + 8 > *ms_size)
            return Status::error(Code::corrupt, "SIZE(mem_section)/OFFSET(mem_section.section_mem_map) are implausible");
        Sparse s{};
        s.mem = &mem;
        s.struct_size = struct_size;
        s.section_size = *ms_size;
        s.map_offset = *ms_map;
        s.pages_per_section = 1ULL << (*bits - page_shift);
        s.num_sections = (max_mapnr + s.pages_per_section - 1) / s.pages_per_section;
        s.max_mapnr = max_mapnr;
        s.kernel_floor = kernel_floor;
        // SPARSEMEM_EXTREME when LENGTH(mem_section) is the root count, or is not exported.
        const int64_t physmem_bits = mem.max_physmem_bits();  // the architecture's default when not exported
        const uint64_t per_root_extreme = page_size / *ms_size;
        auto length = info.length("mem_section");
        s.extreme = true;
        if (length && physmem_bits > *bits && physmem_bits - *bits < 40) {
            const uint64_t nr_mem_sections = 1ULL << (physmem_bits - *bits);
            s.extreme = *length == (nr_mem_sections + per_root_extreme - 1) / per_root_extreme;
        }
        s.per_root = s.extreme ? per_root_extreme : 1;
        out.model = s.extreme ? "SPARSEMEM_EXTREME" : "SPARSEMEM";
        if (s.num_sections == 0) return out;
        if (s.validate(*ms, out)) return out;
        if (s.extreme) {
            auto ptr = mem.read_u64(*ms);
            if (ptr.is_ok() && s.validate(ptr.value(), out)) return out;
        }
        return Status::error(Code::corrupt, "mem_section at " + hex(*ms) + " holds no usable section (" +
                                                std::to_string(s.num_sections) + " sections looked at)");
    }
    if (auto sym = info.symbol("mem_map")) {
        auto map = mem.read_u64(*sym);
        if (!map.is_ok()) return map.take_status().with_context("reading SYMBOL(mem_map)");
        if (map.value() == 0 || map.value() < kernel_floor)
            return Status::error(Code::corrupt, "mem_map pointer " + hex(map.value()) + " is not a kernel address");
        out.model = "FLATMEM";
        out.chunks.push_back({0, max_mapnr, map.value()});
        return out;
    }
    return Status::error(Code::not_found, "VMCOREINFO names no memory model (no SYMBOL(mem_section) with SIZE/OFFSET, no SYMBOL(mem_map))");
}

const MemMapChunk* MemMapLayout::chunk_of(uint64_t pfn) const noexcept {
    auto it = std::upper_bound(chunks.begin(), chunks.end(), pfn,
                               [](uint64_t p, const MemMapChunk& c) { return p < c.first_pfn; });
    if (it == chunks.begin()) return nullptr;
    --it;
    return pfn < it->end_pfn ? &*it : nullptr;
}

std::optional<uint64_t> MemMapLayout::pfn_of_struct_page(uint64_t vaddr, uint64_t struct_size) const noexcept {
    // Chunks ascend by pfn, not necessarily by address (each section's mem_map is its own
    // allocation without VMEMMAP), so every chunk is asked.
    for (const MemMapChunk& c : chunks) {
        if (vaddr < c.vaddr) continue;
        const uint64_t off = vaddr - c.vaddr;
        if (off / struct_size >= c.end_pfn - c.first_pfn) continue;
        if (off % struct_size != 0) return std::nullopt;
        return c.first_pfn + off / struct_size;
    }
    return std::nullopt;
}

}  // namespace kdf::filter
