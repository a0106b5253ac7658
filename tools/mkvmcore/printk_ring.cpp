#include "tools/mkvmcore/printk_ring.h"

#include <cinttypes>
#include <cstdio>

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kDescFinalized = 2;
constexpr uint64_t kOffRb = 0x40, kOffClearSeq = 0xc0, kOffDescs = 0x100, kOffInfos = 0x800, kOffText = 0x2000;
constexpr uint64_t kPrbDescSize = 24, kPrintkInfoSize = 88;

}  // namespace

PrintkSymbols write_printk_ring(PhysOverlay& mem, const PrintkRingPlace& at, const std::vector<PrintkLine>& lines) {
    const uint64_t count = uint64_t{1} << kPrbDescCountBits;
    const uint64_t text_size = uint64_t{1} << kPrbTextSizeBits;
    static_assert(kOffDescs + (1u << kPrbDescCountBits) * kPrbDescSize <= kOffInfos);
    static_assert(kOffInfos + (1u << kPrbDescCountBits) * kPrintkInfoSize <= kOffText);
    static_assert(kOffText + (1u << kPrbTextSizeBits) <= kPrbAreaSize);
    PrintkSymbols s{at.vaddr, at.vaddr + kOffRb, at.vaddr + kOffClearSeq};
    const uint64_t p = at.paddr;
    mem.put64(p, s.printk_rb_static);  // prb = &printk_rb_static

    uint64_t lpos = 0;
    uint64_t id = 0;
    for (const PrintkLine& line : lines) {
        if (id + 1 >= count) break;  // keep the ring from wrapping: a handful of lines is the point
        const uint64_t len = line.text.size();
        const uint64_t block = (8 + len + 7) / 8 * 8;
        if (lpos + block > text_size) break;
        mem.put64(p + kOffText + lpos, id);
        mem.put_string(p + kOffText + lpos + 8, line.text);
        const uint64_t d = p + kOffDescs + (id % count) * kPrbDescSize;
        mem.put64(d, (kDescFinalized << 62) | id);
        mem.put64(d + 8, lpos);
        mem.put64(d + 16, lpos + block);
        const uint64_t inf = p + kOffInfos + (id % count) * kPrintkInfoSize;
        mem.put64(inf, id);            // seq
        mem.put64(inf + 8, line.ts_nsec);
        mem.put32(inf + 16, static_cast<uint32_t>(len) | (6u << 29));  // text_len, facility 0, level 6 (info)
        mem.put32(inf + 20, 0x80000000u);                               // caller_id: CPU 0
        lpos += block;
        ++id;
    }
    const uint64_t head = id == 0 ? 0 : id - 1;
    const uint64_t rb = p + kOffRb;
    mem.put32(rb + 0, kPrbDescCountBits);           // desc_ring.count_bits
    mem.put64(rb + 8, at.vaddr + kOffDescs);        // desc_ring.descs
    mem.put64(rb + 16, at.vaddr + kOffInfos);       // desc_ring.infos
    mem.put64(rb + 24, head);                       // desc_ring.head_id
    mem.put64(rb + 32, 0);                          // desc_ring.tail_id
    mem.put32(rb + 48, kPrbTextSizeBits);           // text_data_ring.size_bits
    mem.put64(rb + 56, at.vaddr + kOffText);        // text_data_ring.data
    mem.put64(rb + 64, lpos);                       // text_data_ring.head_lpos
    mem.put64(rb + 72, 0);                          // text_data_ring.tail_lpos
    return s;
}

std::string printk_vmcoreinfo(const PrintkSymbols& s) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "SYMBOL(prb)=%" PRIx64 "\nSYMBOL(printk_rb_static)=%" PRIx64 "\nSYMBOL(clear_seq)=%" PRIx64 "\n",
                  s.prb, s.printk_rb_static, s.clear_seq);
    return std::string(buf) +
           "SIZE(printk_ringbuffer)=88\n"
           "OFFSET(printk_ringbuffer.desc_ring)=0\n"
           "OFFSET(printk_ringbuffer.text_data_ring)=48\n"
           "OFFSET(printk_ringbuffer.fail)=80\n"
           "SIZE(prb_desc_ring)=48\n"
           "OFFSET(prb_desc_ring.count_bits)=0\n"
           "OFFSET(prb_desc_ring.descs)=8\n"
           "OFFSET(prb_desc_ring.infos)=16\n"
           "OFFSET(prb_desc_ring.head_id)=24\n"
           "OFFSET(prb_desc_ring.tail_id)=32\n"
           "SIZE(prb_desc)=24\n"
           "OFFSET(prb_desc.state_var)=0\n"
           "OFFSET(prb_desc.text_blk_lpos)=8\n"
           "SIZE(prb_data_blk_lpos)=16\n"
           "OFFSET(prb_data_blk_lpos.begin)=0\n"
           "OFFSET(prb_data_blk_lpos.next)=8\n"
           "SIZE(printk_info)=88\n"
           "OFFSET(printk_info.seq)=0\n"
           "OFFSET(printk_info.ts_nsec)=8\n"
           "OFFSET(printk_info.text_len)=16\n"
           "OFFSET(printk_info.caller_id)=20\n"
           "OFFSET(printk_info.dev_info)=24\n"
           "SIZE(dev_printk_info)=64\n"
           "OFFSET(dev_printk_info.subsystem)=0\n"
           "LENGTH(printk_info_subsystem)=16\n"
           "OFFSET(dev_printk_info.device)=16\n"
           "LENGTH(printk_info_device)=48\n"
           "SIZE(prb_data_ring)=32\n"
           "OFFSET(prb_data_ring.size_bits)=0\n"
           "OFFSET(prb_data_ring.data)=8\n"
           "OFFSET(prb_data_ring.head_lpos)=16\n"
           "OFFSET(prb_data_ring.tail_lpos)=24\n"
           "SIZE(atomic_long_t)=8\n"
           "OFFSET(atomic_long_t.counter)=0\n"
           "SIZE(latched_seq)=24\n"
           "OFFSET(latched_seq.val)=8\n";
}

}  // namespace kdf::mkvmcore
