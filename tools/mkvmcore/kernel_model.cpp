#include "tools/mkvmcore/kernel_model.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "tools/mkvmcore/page_table_builder.h"
#include "tools/mkvmcore/sample_layout.h"
#include "tools/mkvmcore/sample_notes.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t k2M = 2ULL << 20;
constexpr uint64_t kSectionMarkedPresent = 1, kSectionHasMemMap = 2, kSectionIsOnline = 4, kSectionIsEarly = 8;
constexpr uint64_t kUsageSize = 56;  // struct mem_section_usage: subsection_map + pageblock_flags[]

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

Status no_room() { return Status::error(Code::no_space, "kernel model: RAM too small for the kernel structures"); }

void write_uts(PhysOverlay& mem, uint64_t at, const std::string& release) {
    // struct new_utsname: six 65-byte fields.
    const char* fields[6] = {"Linux", "kdf-sample", release.c_str(), "#1 SMP PREEMPT_DYNAMIC Debian 6.1.0-kdf",
                             "x86_64", "(none)"};
    for (int i = 0; i < 6; ++i) mem.put_string(at + 65 * static_cast<uint64_t>(i), fields[i]);
}

}  // namespace

Result<KernelModel> build_kernel_model(const MkvmcoreOptions& opts) {
    KernelModel m;
    m.layout = make_kernel_layout(opts);
    m.osrelease = kSampleOsrelease;
    const KernelLayout& l = m.layout;
    const uint64_t image_end = round_up(l.image_paddr + l.image_size, kPageSize);
    MemblockAllocator alloc(l, round_up(image_end, k2M));

    // 1. vmemmap blocks for present sections.
    const uint64_t sections = (l.max_pfn() + kSectionPages - 1) / kSectionPages;
    std::vector<bool> present(sections, false);
    for (const PhysRange& r : l.ram)
        for (uint64_t s = r.start / kPageSize / kSectionPages; s <= (r.end / kPageSize - 1) / kSectionPages; ++s)
            present[s] = true;
    std::vector<uint64_t> block_of(sections, 0);
    for (uint64_t s = 0; s < sections; ++s) {
        if (!present[s]) continue;
        auto b = alloc.alloc(k2M, k2M, PageClass::reserved);
        if (!b) return no_room();
        block_of[s] = *b;
        m.vmemmap_blocks[*b / kPageSize] = s;
    }

    // 2. mem_section: root array, then per used root one page of sections and their usage maps.
    const uint64_t per_root = kPageSize / kMemSectionSize;
    m.mem_section_roots = (uint64_t{1} << (l.max_physmem_bits - 27)) / per_root;
    auto root = alloc.alloc(round_up(m.mem_section_roots * 8, kPageSize), kPageSize, PageClass::reserved);
    if (!root) return no_room();
    m.mem_section_root = l.direct(*root);
    for (uint64_t r = 0; r * per_root < sections; ++r) {
        bool used = false;
        for (uint64_t s = r * per_root; s < std::min(sections, (r + 1) * per_root); ++s) used = used || present[s];
        if (!used) continue;
        auto page = alloc.alloc(kPageSize, kPageSize, PageClass::reserved);
        auto usage = alloc.alloc(round_up(per_root * kUsageSize, kPageSize), kPageSize, PageClass::reserved);
        if (!page || !usage) return no_room();
        m.mem.put64(*root + r * 8, l.direct(*page));
        for (uint64_t s = r * per_root; s < std::min(sections, (r + 1) * per_root); ++s) {
            if (!present[s]) continue;
            const uint64_t ms = *page + (s % per_root) * kMemSectionSize;
            // sparse_encode_mem_map(): mem_map - section_nr_to_pfn(s), i.e. vmemmap_base itself.
            m.mem.put64(ms, l.vmemmap_base | kSectionMarkedPresent | kSectionHasMemMap | kSectionIsOnline |
                                kSectionIsEarly);
            const uint64_t u = *usage + (s % per_root) * kUsageSize;
            m.mem.put64(ms + 8, l.direct(u));
            uint64_t subsections = 0;  // one bit per present 2 MiB subsection
            for (uint64_t i = 0; i < 64; ++i)
                if (l.is_ram(s * kSectionPages + i * 512) || l.is_ram(s * kSectionPages + i * 512 + 511))
                    subsections |= uint64_t{1} << i;
            m.mem.put64(u, subsections);
        }
    }

    // 3. Page tables.
    const uint64_t top_pgt = l.image_paddr + kImageTopPgt;
    PageTableBuilder pt(l.paging, top_pgt, m.mem, alloc);
    const uint64_t image_map = round_up(l.image_size, k2M);
    if (Status st = pt.map(l.kernel_text, l.image_paddr, k2M * 1, true); !st.is_ok()) return st;  // .text
    if (Status st = pt.map(l.kernel_text + k2M, l.image_paddr + k2M, image_map - k2M, false); !st.is_ok()) return st;
    for (const PhysRange& r : l.ram)
        if (Status st = pt.map(l.direct(r.start), r.start, r.end - r.start, false); !st.is_ok()) return st;
    for (uint64_t s = 0; s < sections; ++s)
        if (present[s])
            if (Status st = pt.map(l.vmemmap_base + s * kSectionPages * 64, block_of[s], k2M, false); !st.is_ok())
                return st;

    // 4. init_uts_ns, node_online_map, printk ring.
    write_uts(m.mem, l.image_paddr + kImageUts, m.osrelease);
    m.mem.put64(l.image_paddr + kImageNodeOnline, 1);
    char line[160];
    std::snprintf(line, sizeof line, "kdf-mkvmcore: seed %" PRIu64 ", %" PRIu64 " MiB RAM in %zu ranges, %" PRIu32
                  "-level paging", opts.seed, opts.size >> 20, l.ram.size(), l.paging);
    m.log = {
        {0, "Linux version " + m.osrelease + " (kdf-mkvmcore) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-kdf"},
        {0, "Command line: BOOT_IMAGE=/boot/vmlinuz root=/dev/vda1 ro crashkernel=128M"},
        {1250000, line},
        {37614203000, "sysrq: Trigger a crash"},
        {37614311000, "Kernel panic - not syncing: sysrq triggered crash"},
    };
    m.printk = write_printk_ring(m.mem, {l.image_vaddr(l.image_paddr + kImagePrb), l.image_paddr + kImagePrb}, m.log);

    // Fixed classes: low memory and the image are reserved, then the memblock allocations.
    m.fixed = alloc.allocations();
    m.fixed.push_back({kLowRamStart, kLowRamEnd, PageClass::reserved});
    m.fixed.push_back({l.image_paddr, image_end, PageClass::reserved});
    std::sort(m.fixed.begin(), m.fixed.end(), [](const Allocation& a, const Allocation& b) { return a.start < b.start; });
    return m;
}

std::string kernel_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m) {
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
    add("PAGESIZE=%" PRIu64, kPageSize);
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
