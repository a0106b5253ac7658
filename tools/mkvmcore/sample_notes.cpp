#include "tools/mkvmcore/sample_notes.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace kdf::mkvmcore {
namespace {

void put32(std::vector<std::byte>& v, uint32_t x) {
    for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::byte>(x >> (8 * i)));
}

void store(std::byte* p, uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::byte>(x >> (8 * i));
}

void pad4(std::vector<std::byte>& v) {
    while (v.size() % 4 != 0) v.push_back(std::byte{0});
}


// x86_64 struct elf_prstatus: pr_pid at 32, pr_ppid 36, pr_pgrp 40, pr_sid 44, pr_reg (27 u64 in
// user_regs_struct order) at 112, pr_fpvalid at 328; 336 bytes in all.
std::vector<std::byte> prstatus(const MkvmcoreOptions& opts, const SampleLayout& layout, uint32_t cpu) {
    std::vector<std::byte> d(kPrstatusSize);
    const int32_t pid = sample_pid(opts.seed, cpu);
    store(d.data() + 32, static_cast<uint32_t>(pid), 4);
    store(d.data() + 36, pid ? 1u : 0u, 4);
    store(d.data() + 40, static_cast<uint32_t>(pid), 4);
    store(d.data() + 44, static_cast<uint32_t>(pid), 4);
    enum { r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss,
           fs_base, gs_base, ds, es, fs, gs };
    auto reg = [&](int i, uint64_t v) { store(d.data() + 112 + 8 * i, v, 8); };
    const uint64_t h = mix64(opts.seed ^ (uint64_t{cpu} << 32));
    const uint64_t stack = 0xffffc90000000000ULL + (h % 0x10000) * 0x4000 + 0x3e58;
    reg(rip, layout.kernel_text + 0x6a5c30 + (cpu ? 0x1f0000 : 0));  // crash path on CPU 0, idle loop elsewhere
    reg(rsp, stack);
    reg(rbp, stack + 0x48);
    reg(rax, pid ? 0 : 1);
    reg(rdi, pid ? 0x63 : 0);  // 'c', the sysrq key that crashed it
    reg(orig_rax, ~uint64_t{0});
    reg(cs, 0x10);
    reg(ss, 0x18);
    reg(eflags, 0x10046);
    reg(gs_base, 0xffff88803ec00000ULL + uint64_t{cpu} * 0x40000);
    return d;
}

}  // namespace

void append_note(std::vector<std::byte>& out, const char* name, uint32_t type, const std::byte* desc, size_t size) {
    const size_t namesz = std::strlen(name) + 1;
    put32(out, static_cast<uint32_t>(namesz));
    put32(out, static_cast<uint32_t>(size));
    put32(out, type);
    const auto* n = reinterpret_cast<const std::byte*>(name);
    out.insert(out.end(), n, n + namesz);
    pad4(out);
    out.insert(out.end(), desc, desc + size);
    pad4(out);
}

int32_t sample_pid(uint64_t seed, uint32_t cpu) noexcept {
    if (cpu != 0) return 0;
    return static_cast<int32_t>(300 + mix64(seed ^ 0x706964ULL) % 30000);
}

std::string sample_vmcoreinfo(const MkvmcoreOptions& opts, const SampleLayout& layout) {
    const uint64_t k = layout.kernel_text;  // every kernel symbol moves with the KASLR slide
    const uint64_t h = mix64(opts.seed ^ 0x6275696c64ULL);
    std::string t;
    char line[160];
    auto add = [&](const char* format, auto... args) {
        std::snprintf(line, sizeof line, format, args...);
        t += line;
        t += '\n';
    };
    add("OSRELEASE=%s", kSampleOsrelease);
    add("BUILD-ID=%016" PRIx64 "%016" PRIx64 "%08" PRIx32, h, mix64(h), static_cast<uint32_t>(mix64(h + 1)));
    add("PAGESIZE=%" PRIu64, kPageSize);
    add("SYMBOL(init_uts_ns)=%" PRIx64, k + 0x1a13440);
    add("OFFSET(uts_namespace.name)=%d", 0);
    add("SYMBOL(node_online_map)=%" PRIx64, k + 0x1b4ea08);
    add("SYMBOL(swapper_pg_dir)=%" PRIx64, k + 0x160a000);
    add("SYMBOL(_stext)=%" PRIx64, k);
    add("SYMBOL(vmap_area_list)=%" PRIx64, k + 0x1a4f4b0);
    add("SYMBOL(mem_section)=%" PRIx64, 0xffff88803ffd1000ULL);
    add("LENGTH(mem_section)=%d", 2048);
    add("SIZE(mem_section)=%d", 16);
    add("OFFSET(mem_section.section_mem_map)=%d", 0);
    add("NUMBER(SECTION_SIZE_BITS)=%d", 27);
    add("NUMBER(MAX_PHYSMEM_BITS)=%d", 46);
    add("SIZE(page)=%d", 64);
    add("SIZE(pglist_data)=%d", 174336);
    add("SIZE(zone)=%d", 1728);
    add("SIZE(free_area)=%d", 104);
    add("SIZE(list_head)=%d", 16);
    add("SIZE(nodemask_t)=%d", 128);
    add("OFFSET(page.flags)=%d", 0);
    add("OFFSET(page._refcount)=%d", 52);
    add("OFFSET(page.mapping)=%d", 24);
    add("OFFSET(page.lru)=%d", 8);
    add("OFFSET(page._mapcount)=%d", 48);
    add("OFFSET(page.private)=%d", 40);
    add("OFFSET(page.compound_dtor)=%d", 16);
    add("OFFSET(page.compound_order)=%d", 17);
    add("OFFSET(page.compound_head)=%d", 8);
    add("OFFSET(pglist_data.node_zones)=%d", 0);
    add("OFFSET(pglist_data.nr_zones)=%d", 174112);
    add("OFFSET(pglist_data.node_start_pfn)=%d", 174120);
    add("OFFSET(pglist_data.node_spanned_pages)=%d", 174136);
    add("OFFSET(pglist_data.node_id)=%d", 174144);
    add("OFFSET(zone.free_area)=%d", 192);
    add("OFFSET(zone.vm_stat)=%d", 1600);
    add("OFFSET(zone.spanned_pages)=%d", 112);
    add("OFFSET(free_area.free_list)=%d", 0);
    add("OFFSET(list_head.next)=%d", 0);
    add("OFFSET(list_head.prev)=%d", 8);
    add("LENGTH(zone.free_area)=%d", 11);
    add("LENGTH(free_area.free_list)=%d", 6);
    add("NUMBER(NR_FREE_PAGES)=%d", 0);
    add("NUMBER(PG_lru)=%d", 4);
    add("NUMBER(PG_private)=%d", 13);
    add("NUMBER(PG_swapcache)=%d", 10);
    add("NUMBER(PG_swapbacked)=%d", 19);
    add("NUMBER(PG_slab)=%d", 9);
    add("NUMBER(PG_hwpoison)=%d", 23);
    add("NUMBER(PG_head_mask)=%d", 65536);
    add("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", -129);
    add("NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d", -257);
    add("SYMBOL(phys_base)=%" PRIx64, k + 0x1614010);
    add("SYMBOL(init_top_pgt)=%" PRIx64, k + 0x160a000);
    add("NUMBER(pgtable_l5_enabled)=%d", 0);
    add("SYMBOL(node_data)=%" PRIx64, k + 0x1b4c900);
    add("LENGTH(node_data)=%d", 1024);
    add("KERNELOFFSET=%" PRIx64, layout.kerneloffset);
    add("NUMBER(KERNEL_IMAGE_SIZE)=%d", 1073741824);
    add("NUMBER(sme_mask)=%d", 0);
    add("NUMBER(phys_base)=%" PRId64, layout.phys_base);
    add("CRASHTIME=%" PRIu64, uint64_t{1700000000} + mix64(opts.seed ^ 0x74696d65ULL) % 100000000);
    return t;
}

std::vector<std::byte> sample_notes(const MkvmcoreOptions& opts, const SampleLayout& layout) {
    return sample_notes(opts, layout, sample_vmcoreinfo(opts, layout));
}

std::vector<std::byte> sample_notes(const MkvmcoreOptions& opts, const SampleLayout& layout, const std::string& info) {
    std::vector<std::byte> out;
    for (uint32_t cpu = 0; cpu < opts.cpus; ++cpu) {
        std::vector<std::byte> d = prstatus(opts, layout, cpu);
        append_note(out, "CORE", 1, d.data(), d.size());
    }
    append_note(out, "VMCOREINFO", 0, reinterpret_cast<const std::byte*>(info.data()), info.size());
    return out;
}

}  // namespace kdf::mkvmcore
