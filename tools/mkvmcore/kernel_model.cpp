#include "tools/mkvmcore/kernel_model.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "tools/mkvmcore/arm64_layout.h"
#include "tools/mkvmcore/arm64_notes.h"
#include "tools/mkvmcore/arm64_page_table_builder.h"
#include "tools/mkvmcore/arm64_vmcoreinfo.h"
#include "tools/mkvmcore/page_table_builder.h"
#include "tools/mkvmcore/sample_layout.h"
#include "tools/mkvmcore/sample_notes.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t k1M = 1ULL << 20;
constexpr uint64_t k2M = 2ULL << 20;
constexpr uint64_t kStructPageBytes = 64;
constexpr uint64_t kSectionMarkedPresent = 1, kSectionHasMemMap = 2, kSectionIsOnline = 4, kSectionIsEarly = 8;
constexpr uint64_t kUsageSize = 56;  // struct mem_section_usage: subsection_map + pageblock_flags[]

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

Status no_room() { return Status::error(Code::no_space, "kernel model: RAM too small for the kernel structures"); }

void write_uts(PhysOverlay& mem, uint64_t at, const std::string& release, const char* machine) {
    // struct new_utsname: six 65-byte fields.
    const char* fields[6] = {"Linux", "kdf-sample", release.c_str(), "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-kdf",
                             machine, "(none)"};
    for (int i = 0; i < 6; ++i) mem.put_string(at + 65 * static_cast<uint64_t>(i), fields[i]);
}

}  // namespace

ImageOffsets image_offsets(const KernelLayout& layout) noexcept {
    ImageOffsets o;
    if (layout.arch == Arch::arm64) {
        o.uts += kArm64ImageShift;
        o.node_online += kArm64ImageShift;
        o.prb += kArm64ImageShift;
        o.vmap_area_list += kArm64ImageShift;
    }
    return o;
}

namespace {

std::string hex_paddr(uint64_t pa) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%" PRIx64, pa);
    return b;
}

// x86_64 page tables: the image with 2 MiB pages, the direct map, the vmemmap with 2 MiB pages.
Status build_x86_64_tables(KernelModel& m, MemblockAllocator& alloc, const std::map<uint64_t, uint64_t>& block_of) {
    const KernelLayout& l = m.layout;
    PageTableBuilder pt(l.paging, l.image_paddr + kImageTopPgt, m.mem, alloc);
    const uint64_t image_map = round_up(l.image_size, k2M);
    if (Status st = pt.map(l.kernel_text, l.image_paddr, k2M * 1, true); !st.is_ok()) return st;  // .text
    if (Status st = pt.map(l.kernel_text + k2M, l.image_paddr + k2M, image_map - k2M, false); !st.is_ok()) return st;
    for (const PhysRange& r : l.ram)
        if (Status st = pt.map(l.direct(r.start), r.start, r.end - r.start, false); !st.is_ok()) return st;
    for (const auto& [s, block] : block_of)
        if (Status st = pt.map(l.vmemmap_base + s * l.section_pages() * 64, block, k2M, false); !st.is_ok()) return st;
    return Status::ok();
}

// arm64 page tables, and the addresses --checks lists (one of each mapping kind).
Status build_arm64_tables(KernelModel& m, MemblockAllocator& alloc, const std::map<uint64_t, uint64_t>& block_of) {
    const KernelLayout& l = m.layout;
    const Arm64Geometry& g = l.arm64;
    const ImageOffsets io = image_offsets(l);
    Arm64PageTableBuilder pt(g, l.image_paddr + io.top_pgt, m.mem, alloc);
    const uint64_t block = arm64_block_size(g);
    // The image from _stext: its first 2 MiB as text, the rest as data. The 64 KiB header before
    // _stext is not mapped, as in the kernel's own swapper_pg_dir.
    const uint64_t text_end = k2M;
    if (Status st = pt.map(g.stext, l.image_paddr + kArm64StextOffset, text_end - kArm64StextOffset,
                           Arm64Prot::kernel_rox, false); !st.is_ok())
        return st;
    if (Status st = pt.map(l.kernel_text + text_end, l.image_paddr + text_end, l.image_size - text_end,
                           Arm64Prot::kernel, true); !st.is_ok())
        return st;
    for (const PhysRange& r : l.ram)
        if (Status st = pt.map(l.direct(r.start), r.start, r.end - r.start, Arm64Prot::kernel, true); !st.is_ok())
            return st;
    const bool vmemmap_blocks = g.page_shift == 12;
    for (const auto& [s, blk] : block_of)
        if (Status st = pt.map(l.vmemmap_base + s * l.section_pages() * 64, blk, m.vmemmap_block_bytes,
                               Arm64Prot::kernel, vmemmap_blocks); !st.is_ok())
            return st;

    // Translation checks. Odd offsets, so a translator that drops the low bits shows.
    auto add = [&](const char* name, uint64_t vaddr, uint64_t paddr) { m.checks.push_back({name, vaddr, hex_paddr(paddr)}); };
    add("image_text", g.stext + 0x1238, l.image_paddr + kArm64StextOffset + 0x1238);
    add("image_data", l.kernel_text + io.uts + 0x82, l.image_paddr + io.uts + 0x82);
    add("swapper_pg_dir", l.kernel_text + io.top_pgt + 8, l.image_paddr + io.top_pgt + 8);
    const PhysRange& first = l.ram.front();
    if (first.end - first.start >= block)  // range 0 starts block aligned (0x40000000)
        add("linear_block", l.direct(first.start + block / 2 + 0x10a8), first.start + block / 2 + 0x10a8);
    const uint64_t page_mapped = first.start + (first.end - first.start) / block * block;  // after the last block
    if (page_mapped < first.end) add("linear_page", l.direct(page_mapped + 0x7f8), page_mapped + 0x7f8);
    const PhysRange& last = l.ram.back();
    add("linear_last", l.direct(last.end - 8), last.end - 8);
    if (last.start >= (1ULL << 48)) add("linear_above_2^48", l.direct(last.start + 0x2468), last.start + 0x2468);
    const uint64_t first_pfn = first.start / l.page_size, last_pfn = last.end / l.page_size - 1;
    auto struct_page_paddr = [&](uint64_t pfn) {
        const uint64_t s = pfn / l.section_pages();
        return block_of.at(s) + (pfn - s * l.section_pages()) * 64;
    };
    add("vmemmap_first", l.vmemmap_base + first_pfn * 64 + 0x18, struct_page_paddr(first_pfn) + 0x18);
    add("vmemmap_last", l.vmemmap_base + last_pfn * 64 + 0x38, struct_page_paddr(last_pfn) + 0x38);
    // Holes: the struct pages after the last present section's (no entry at some level), and a
    // vmalloc address whose whole top-level entry is empty. Then a top-level entry whose next
    // table lies outside every PT_LOAD: what a corrupt or overwritten page table looks like.
    const uint64_t after_last = block_of.rbegin()->first + 1;
    m.checks.push_back({"hole_vmemmap", l.vmemmap_base + after_last * l.section_pages() * 64 + 0x40, "not_found"});
    // The highest level whose entries cut the vmalloc area into at least 16 pieces; an empty
    // entry there under tables that exist (near the image, which lives in vmalloc space).
    int level = g.top_level();
    while (level < 2 && (g.vmalloc_end - g.vmalloc_start) >> g.level_shift(level) < 16) ++level;
    const uint64_t span = 1ULL << g.level_shift(level);
    std::vector<std::pair<uint64_t, uint64_t>> empty;  // vaddr, slot
    for (uint64_t v = (g.vmalloc_start + span - 1) / span * span, n = 0;
         v + span <= g.vmalloc_end && v >= g.vmalloc_start && empty.size() < 8 && n < (1U << 20); v += span, ++n)
        if (const uint64_t slot = pt.empty_slot(v, level)) empty.push_back({v, slot});
    if (empty.size() < 2) return Status::error(Code::corrupt, "kernel model: no free page-table entry in vmalloc space");
    const uint64_t hole = empty[empty.size() / 2].first;
    const auto [bad, bad_slot] = empty.back();
    m.checks.push_back({"hole_table_entry", hole + 0x5000, "not_found"});
    const uint64_t outside = l.max_physmem_bits == 52 ? 0x000f000000000000ULL : 0x0000ff0000000000ULL;
    pt.set_table(bad_slot, outside);
    m.checks.push_back({"corrupt_table", bad + 0x3000, "corrupt"});
    return Status::ok();
}

}  // namespace

Result<KernelModel> build_kernel_model(const MkvmcoreOptions& opts) {
    KernelModel m;
    m.layout = make_kernel_layout(opts);
    m.osrelease = kSampleOsrelease;
    const KernelLayout& l = m.layout;
    const uint64_t ps = l.page_size;
    const ImageOffsets io = image_offsets(l);
    const uint64_t image_end = round_up(l.image_paddr + l.image_size, ps);
    MemblockAllocator alloc(l, round_up(image_end, k2M));

    // 1. mem_map blocks for present sections (2 MiB with 4 KiB pages, 512 KiB with 16/64 KiB).
    const uint64_t section_pages = l.section_pages();
    m.vmemmap_block_bytes = section_pages * kStructPageBytes;
    std::set<uint64_t> present;
    for (const PhysRange& r : l.ram)
        for (uint64_t s = r.start / ps / section_pages; s <= (r.end / ps - 1) / section_pages; ++s) present.insert(s);
    std::map<uint64_t, uint64_t> block_of;  // section -> paddr of its struct pages
    for (uint64_t s : present) {
        auto b = alloc.alloc(m.vmemmap_block_bytes, m.vmemmap_block_bytes, PageClass::reserved);
        if (!b) return no_room();
        block_of[s] = *b;
        m.vmemmap_blocks[*b / 4096] = s;
    }

    // 2. mem_section: root array, then per used root one page of sections and their usage maps.
    const uint64_t per_root = ps / kMemSectionSize;
    m.mem_section_roots = (uint64_t{1} << (l.max_physmem_bits - l.section_size_bits)) / per_root;
    auto root = alloc.alloc(round_up(m.mem_section_roots * 8, ps), ps, PageClass::reserved);
    if (!root) return no_room();
    m.mem_section_root = l.direct(*root);
    std::set<uint64_t> roots;
    for (uint64_t s : present) roots.insert(s / per_root);
    const uint64_t subsection_pages = (2 * k1M) / ps;  // SUBSECTION_SHIFT 21
    for (uint64_t r : roots) {
        auto page = alloc.alloc(ps, ps, PageClass::reserved);
        auto usage = alloc.alloc(round_up(per_root * kUsageSize, ps), ps, PageClass::reserved);
        if (!page || !usage) return no_room();
        m.mem.put64(*root + r * 8, l.direct(*page));
        for (auto it = present.lower_bound(r * per_root); it != present.end() && *it < (r + 1) * per_root; ++it) {
            const uint64_t s = *it;
            const uint64_t ms = *page + (s % per_root) * kMemSectionSize;
            // sparse_encode_mem_map(): mem_map - section_nr_to_pfn(s), i.e. vmemmap_base itself.
            m.mem.put64(ms, l.vmemmap_base | kSectionMarkedPresent | kSectionHasMemMap | kSectionIsOnline |
                                kSectionIsEarly);
            const uint64_t u = *usage + (s % per_root) * kUsageSize;
            m.mem.put64(ms + 8, l.direct(u));
            uint64_t subsections = 0;  // one bit per present 2 MiB subsection
            for (uint64_t i = 0; i < 64 && i * subsection_pages < section_pages; ++i) {
                const uint64_t first = s * section_pages + i * subsection_pages;
                if (l.is_ram(first) || l.is_ram(first + subsection_pages - 1)) subsections |= uint64_t{1} << i;
            }
            m.mem.put64(u, subsections);
        }
    }

    // 3. Page tables.
    Status tables = l.arch == Arch::arm64 ? build_arm64_tables(m, alloc, block_of) : build_x86_64_tables(m, alloc, block_of);
    if (!tables.is_ok()) return tables;
    if (l.arch == Arch::arm64) {
        // CPU 0's saved link register as the note holds it, PAC-signed: a translator must strip
        // the KERNELPACMASK bits first (canonical_pointer()), then it is kernel text.
        const uint64_t lr = l.arm64.stext + kArm64CrashLrOffset;
        m.checks.push_back({"pac_signed_lr", arm64_sign_pointer(lr, l.arm64.pac_mask, opts.seed),
                            hex_paddr(l.image_paddr + kArm64StextOffset + kArm64CrashLrOffset)});
    }

    // 4. init_uts_ns, node_online_map, printk ring.
    write_uts(m.mem, l.image_paddr + io.uts, m.osrelease, l.arch == Arch::arm64 ? "aarch64" : "x86_64");
    m.mem.put64(l.image_paddr + io.node_online, 1);
    char line[160];
    if (l.arch == Arch::arm64)
        std::snprintf(line, sizeof line, "kdf-mkvmcore: seed %" PRIu64 ", %" PRIu64 " MiB RAM in %zu ranges, %" PRIu64
                      "K pages, %" PRIu32 "-bit VA, %" PRIu32 " levels", opts.seed, opts.size >> 20, l.ram.size(),
                      ps / 1024, l.arm64.va_bits, l.arm64.levels);
    else
        std::snprintf(line, sizeof line, "kdf-mkvmcore: seed %" PRIu64 ", %" PRIu64 " MiB RAM in %zu ranges, %" PRIu32
                      "-level paging", opts.seed, opts.size >> 20, l.ram.size(), l.paging);
    m.log = {
        {0, "Linux version " + m.osrelease + " (kdf-mkvmcore) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-kdf"},
        {0, "Command line: BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro crashkernel=128M"},
        {1250000, line},
        {37614203000, "sysrq: Trigger a crash"},
        {37614311000, "Kernel panic - not syncing: sysrq triggered crash"},
    };
    m.printk = write_printk_ring(m.mem, {l.image_vaddr(l.image_paddr + io.prb), l.image_paddr + io.prb}, m.log);

    // Fixed classes: low memory (x86_64) and the image are reserved, then the memblock allocations.
    m.fixed = alloc.allocations();
    if (l.arch == Arch::x86_64) m.fixed.push_back({kLowRamStart, kLowRamEnd, PageClass::reserved});
    m.fixed.push_back({l.image_paddr, image_end, PageClass::reserved});
    std::sort(m.fixed.begin(), m.fixed.end(), [](const Allocation& a, const Allocation& b) { return a.start < b.start; });
    return m;
}

std::string kernel_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m) {
    if (m.layout.arch == Arch::arm64) return arm64_vmcoreinfo(opts, m);
    const KernelLayout& l = m.layout;
    const uint64_t k = l.kernel_text;
    const uint64_t h = mix64(opts.seed ^ 0x6275696c64ULL);
    std::string t;
    char line[160];
    auto add = [&](const char* format, auto... args) {
        std::snprintf(line, sizeof line, format, args...);
        t += line;
        t += '\n';
    };
    add("OSRELEASE=%s", m.osrelease.c_str());
    add("BUILD-ID=%016" PRIx64 "%016" PRIx64 "%08" PRIx32, h, mix64(h), static_cast<uint32_t>(mix64(h + 1)));
    add("PAGESIZE=%" PRIu64, l.page_size);
    add("SYMBOL(init_uts_ns)=%" PRIx64, k + kImageUts);
    add("OFFSET(uts_namespace.name)=%d", 0);
    add("SYMBOL(node_online_map)=%" PRIx64, k + kImageNodeOnline);
    add("SYMBOL(swapper_pg_dir)=%" PRIx64, k + kImageTopPgt);
    add("SYMBOL(_stext)=%" PRIx64, k);
    add("SYMBOL(vmap_area_list)=%" PRIx64, k + 0x203000);
    add("SYMBOL(mem_section)=%" PRIx64, m.mem_section_root);
    add("LENGTH(mem_section)=%" PRIu64, m.mem_section_roots);
    add("SIZE(mem_section)=%" PRIu64, kMemSectionSize);
    add("OFFSET(mem_section.section_mem_map)=%d", 0);
    add("NUMBER(SECTION_SIZE_BITS)=%d", 27);
    add("NUMBER(MAX_PHYSMEM_BITS)=%" PRIu32, l.max_physmem_bits);
    t += "SIZE(page)=64\n"
         "SIZE(pglist_data)=174208\n"
         "SIZE(zone)=1536\n"
         "SIZE(free_area)=88\n"
         "SIZE(list_head)=16\n"
         "SIZE(nodemask_t)=128\n"
         "OFFSET(page.flags)=0\n"
         "OFFSET(page._refcount)=52\n"
         "OFFSET(page.mapping)=24\n"
         "OFFSET(page.lru)=8\n"
         "OFFSET(page._mapcount)=48\n"
         "OFFSET(page.private)=40\n"
         "OFFSET(page.compound_dtor)=16\n"
         "OFFSET(page.compound_order)=17\n"
         "OFFSET(page.compound_head)=8\n"
         "OFFSET(pglist_data.node_zones)=0\n"
         "OFFSET(pglist_data.nr_zones)=171552\n"
         "OFFSET(pglist_data.node_start_pfn)=171560\n"
         "OFFSET(pglist_data.node_spanned_pages)=171576\n"
         "OFFSET(pglist_data.node_id)=171584\n"
         "OFFSET(zone.free_area)=256\n"
         "OFFSET(zone.vm_stat)=1344\n"
         "OFFSET(zone.spanned_pages)=144\n"
         "OFFSET(free_area.free_list)=0\n"
         "OFFSET(list_head.next)=0\n"
         "OFFSET(list_head.prev)=8\n"
         "OFFSET(vmap_area.va_start)=0\n"
         "OFFSET(vmap_area.list)=40\n"
         "LENGTH(zone.free_area)=11\n";
    t += printk_vmcoreinfo(m.printk);
    t += "LENGTH(free_area.free_list)=5\n"
         "NUMBER(NR_FREE_PAGES)=0\n"
         "NUMBER(PG_lru)=4\n"
         "NUMBER(PG_private)=13\n"
         "NUMBER(PG_swapcache)=10\n"
         "NUMBER(PG_swapbacked)=19\n"
         "NUMBER(PG_slab)=9\n"
         "NUMBER(PG_hwpoison)=23\n"
         "NUMBER(PG_head_mask)=65536\n"
         "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
         "NUMBER(HUGETLB_PAGE_DTOR)=2\n"
         "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";
    add("SYMBOL(kallsyms_names)=%" PRIx64, k + 0x11bdac0);
    add("SYMBOL(kallsyms_num_syms)=%" PRIx64, k + 0x11bdab8);
    add("SYMBOL(kallsyms_token_table)=%" PRIx64, k + 0x132ddd8);
    add("SYMBOL(kallsyms_token_index)=%" PRIx64, k + 0x132e170);
    add("SYMBOL(kallsyms_offsets)=%" PRIx64, k + 0x11619c8);
    add("SYMBOL(kallsyms_relative_base)=%" PRIx64, k + 0x11bdab0);
    add("NUMBER(phys_base)=%" PRId64, l.phys_base);
    add("SYMBOL(init_top_pgt)=%" PRIx64, k + kImageTopPgt);
    add("NUMBER(pgtable_l5_enabled)=%d", l.paging == 5 ? 1 : 0);
    add("SYMBOL(node_data)=%" PRIx64, k + 0x1c393a0);
    add("LENGTH(node_data)=%d", 1024);
    add("KERNELOFFSET=%" PRIx64, l.kerneloffset);
    add("NUMBER(KERNEL_IMAGE_SIZE)=%d", 1073741824);
    add("NUMBER(sme_mask)=%d", 0);
    add("CRASHTIME=%" PRIu64, uint64_t{1700000000} + mix64(opts.seed ^ 0x74696d65ULL) % 100000000);
    return t;
}

}  // namespace kdf::mkvmcore
