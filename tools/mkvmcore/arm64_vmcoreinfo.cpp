#include "tools/mkvmcore/arm64_vmcoreinfo.h"

#include <cinttypes>
#include <cstdio>

#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {

std::string arm64_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m) {
    const KernelLayout& l = m.layout;
    const Arm64Geometry& g = l.arm64;
    const ImageOffsets io = image_offsets(l);
    const uint64_t k = l.kernel_text;  // _text
    const uint64_t h = mix64(opts.seed ^ 0x6275696c64ULL);
    // MAX_ORDER (CONFIG_ARCH_FORCE_MAX_ORDER): 11 with 4K pages, 12 with 16K, 14 with 64K.
    const int max_order = g.page_shift == 12 ? 11 : g.page_shift == 14 ? 12 : 14;
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
    add("SYMBOL(init_uts_ns)=%" PRIx64, k + io.uts);
    add("OFFSET(uts_namespace.name)=%d", 0);
    add("SYMBOL(node_online_map)=%" PRIx64, k + io.node_online);
    add("SYMBOL(swapper_pg_dir)=%" PRIx64, k + io.top_pgt);
    add("SYMBOL(_stext)=%" PRIx64, g.stext);
    add("SYMBOL(vmap_area_list)=%" PRIx64, k + io.vmap_area_list);
    add("SYMBOL(mem_section)=%" PRIx64, m.mem_section_root);
    add("LENGTH(mem_section)=%" PRIu64, m.mem_section_roots);
    add("SIZE(mem_section)=%" PRIu64, kMemSectionSize);
    add("OFFSET(mem_section.section_mem_map)=%d", 0);
    add("NUMBER(SECTION_SIZE_BITS)=%" PRIu32, l.section_size_bits);
    add("NUMBER(MAX_PHYSMEM_BITS)=%" PRIu32, l.max_physmem_bits);
    t += "SIZE(page)=64\n"
         "SIZE(pglist_data)=11392\n"
         "SIZE(zone)=1728\n"
         "SIZE(free_area)=104\n"
         "SIZE(list_head)=16\n"
         "SIZE(nodemask_t)=8\n"
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
         "OFFSET(pglist_data.nr_zones)=8992\n"
         "OFFSET(pglist_data.node_start_pfn)=9000\n"
         "OFFSET(pglist_data.node_spanned_pages)=9016\n"
         "OFFSET(pglist_data.node_id)=9024\n"
         "OFFSET(zone.free_area)=256\n"
         "OFFSET(zone.vm_stat)=1536\n"
         "OFFSET(zone.spanned_pages)=136\n"
         "OFFSET(free_area.free_list)=0\n"
         "OFFSET(list_head.next)=0\n"
         "OFFSET(list_head.prev)=8\n"
         "OFFSET(vmap_area.va_start)=0\n"
         "OFFSET(vmap_area.list)=40\n";
    add("LENGTH(zone.free_area)=%d", max_order);
    t += printk_vmcoreinfo(m.printk);
    t += "LENGTH(free_area.free_list)=6\n"
         "NUMBER(NR_FREE_PAGES)=0\n"
         "NUMBER(PG_lru)=4\n"
         "NUMBER(PG_private)=13\n"
         "NUMBER(PG_swapcache)=10\n"
         "NUMBER(PG_swapbacked)=19\n"
         "NUMBER(PG_slab)=9\n";
    add("NUMBER(PG_hwpoison)=%d", l.pg_hwpoison);
    t += "NUMBER(PG_head_mask)=65536\n"
         "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129\n"
         "NUMBER(HUGETLB_PAGE_DTOR)=2\n"
         "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257\n";
    add("SYMBOL(kallsyms_names)=%" PRIx64, k + 0xf24f28);
    add("SYMBOL(kallsyms_num_syms)=%" PRIx64, k + 0xf24f20);
    add("SYMBOL(kallsyms_token_table)=%" PRIx64, k + 0xfe58c8);
    add("SYMBOL(kallsyms_token_index)=%" PRIx64, k + 0xfe5c10);
    add("SYMBOL(kallsyms_offsets)=%" PRIx64, k + 0xef3c98);
    add("SYMBOL(kallsyms_relative_base)=%" PRIx64, k + 0xf24f18);
    add("NUMBER(VA_BITS)=%" PRIu32, g.va_bits);
    add("NUMBER(MODULES_VADDR)=0x%" PRIx64, g.modules_vaddr);
    add("NUMBER(MODULES_END)=0x%" PRIx64, g.modules_end);
    add("NUMBER(VMALLOC_START)=0x%" PRIx64, g.vmalloc_start);
    add("NUMBER(VMALLOC_END)=0x%" PRIx64, g.vmalloc_end);
    add("NUMBER(VMEMMAP_START)=0x%" PRIx64, g.vmemmap_start);
    add("NUMBER(VMEMMAP_END)=0x%" PRIx64, g.vmemmap_end);
    add("NUMBER(kimage_voffset)=0x%" PRIx64, g.kimage_voffset);
    add("NUMBER(PHYS_OFFSET)=0x%" PRIx64, l.phys_offset);
    add("NUMBER(TCR_EL1_T1SZ)=0x%" PRIx32, g.t1sz());
    add("KERNELOFFSET=%" PRIx64, l.kerneloffset);
    add("NUMBER(KERNELPACMASK)=0x%" PRIx64, g.pac_mask);
    add("CRASHTIME=%" PRIu64, uint64_t{1700000000} + mix64(opts.seed ^ 0x74696d65ULL) % 100000000);
    return t;
}

}  // namespace kdf::mkvmcore
