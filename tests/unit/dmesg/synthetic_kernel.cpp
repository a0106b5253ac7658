// tests/unit/dmesg/synthetic_kernel.cpp - see synthetic_kernel.h.
#include "tests/unit/dmesg/synthetic_kernel.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "tests/unit/vmcore/vmcore_builder.h"

namespace kdf::dmesg::test {
namespace {

using vmcore::test::Bytes;

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%" PRIx64, v);
    return buf;
}

uint64_t align8(uint64_t n) { return (n + 7) / 8 * 8; }

// Ring placement inside the image (offsets from kKernelBase).
constexpr uint64_t kPrbVar = 0x1000, kInfos = 0x10000, kUtsName = 0x3000, kPud = 0x5000, kPmd = 0x6000, kMemMapVar = 0x3200;
constexpr uint64_t kDescSize = 24, kInfoSize = 88;
// log_buf variables.
constexpr uint64_t kLogBufVar = 0x1100, kLogBufLenVar = 0x1108, kFirstIdxVar = 0x1110, kNextIdxVar = 0x1114;

}  // namespace

void SyntheticKernel::put(uint64_t vaddr, const void* bytes, size_t n) {
    if (vaddr < kKernelBase || vaddr - kKernelBase + n > image_.size()) throw std::out_of_range("outside the image");
    std::memcpy(image_.data() + (vaddr - kKernelBase), bytes, n);
}

void SyntheticKernel::put64(uint64_t vaddr, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    put(vaddr, b, 8);
}

void SyntheticKernel::put32(uint64_t vaddr, uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    put(vaddr, b, 4);
}

void SyntheticKernel::put16(uint64_t vaddr, uint16_t v) {
    const unsigned char b[2] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8)};
    put(vaddr, b, 2);
}

bool SyntheticKernel::write(const std::string& path, uint64_t truncate_image_at) const {
    using namespace vmcore::test;
    // init_uts_ns.name (struct new_utsname: six 65-byte strings): makedumpfile checks the release.
    std::vector<std::byte> image = image_;
    auto put_string = [&](uint64_t off, const std::string& text) { std::memcpy(image.data() + off, text.data(), text.size()); };
    put_string(kUtsName, "Linux");
    put_string(kUtsName + 2 * 65, osrelease);
    put_string(kUtsName + 4 * 65, "x86_64");
    // Page tables for the image (our reader does not need them; makedumpfile walks them even for
    // image addresses): PGD[511] -> PUD[510] -> PMD[8], a 2 MiB page at kImagePhys.
    auto put_entry = [&](uint64_t off, uint64_t value) {
        for (int i = 0; i < 8; ++i) image[off + i] = static_cast<std::byte>(value >> (8 * i));
    };
    put_entry(0 + 511 * 8, (kImagePhys + kPud) | 0x63);
    put_entry(kPud + 510 * 8, (kImagePhys + kPmd) | 0x63);
    put_entry(kPmd + 8 * 8, kImagePhys | 0xe3);
    // A FLATMEM mem_map: makedumpfile's initial() insists on knowing the memory model.
    put_entry(kMemMapVar, kKernelBase + 0x7000);
    const std::string info = "OSRELEASE=" + osrelease + "\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=" + hex(kKernelBase + kUtsName) +
                             "\nOFFSET(uts_namespace.name)=0\nSYMBOL(mem_map)=" + hex(kKernelBase + kMemMapVar) +
                             "\nSIZE(page)=64\nOFFSET(page.flags)=0\nOFFSET(page._refcount)=52\nOFFSET(page.mapping)=24"
                             "\nSYMBOL(init_top_pgt)=" + hex(kKernelBase) +
                             "\nNUMBER(phys_base)=0\nNUMBER(pgtable_l5_enabled)=0\n" + extra_vmcoreinfo;
    VmcoreSpec spec;
    spec.note_segments.push_back(concat({make_note("CORE", 1, make_prstatus(1)), make_note("VMCOREINFO", 0, text_bytes(info))}));
    const uint64_t file_size = truncate_image_at ? truncate_image_at : image_.size();
    spec.loads.push_back({kKernelBase, kImagePhys, file_size, image_.size(), {}});
    Built built = build_vmcore(spec);
    std::memcpy(built.bytes.data() + built.load_offsets[0], image.data(), file_size);
    return write_file(path, built.bytes);
}

void write_printk_ring(SyntheticKernel& k, const RingSpec& spec, const std::vector<RingRecord>& records) {
    const uint64_t count = uint64_t{1} << spec.count_bits, size = uint64_t{1} << spec.size_bits;
    const uint64_t descs = kRingDescs, infos = kKernelBase + kInfos, text = kRingText;
    uint64_t lpos = spec.first_lpos, id = spec.first_id;
    for (const RingRecord& r : records) {
        const uint64_t desc = descs + (id % count) * kDescSize, info = infos + (id % count) * kInfoSize;
        uint64_t begin = lpos, next = lpos;
        if (!r.no_data) {
            const uint64_t need = align8(8 + r.text.size());
            uint64_t data = lpos % size;
            if (lpos / size != (lpos + need) / size) {
                // data_alloc(): a block that would cross the end keeps its id at the old position
                // and stores the whole block at the start of the ring.
                k.put64(text + lpos % size, id);
                data = 0;
                next = (lpos / size + 1) * size + need;
            } else {
                next = lpos + need;
            }
            k.put64(text + data, id);
            k.put_text(text + data + 8, r.text);
            lpos = next;
        }
        k.put64(desc, r.state << 62 | (r.wrong_id ? id ^ 0x1000 : id));
        k.put64(desc + 8, begin);
        k.put64(desc + 16, next);
        k.put64(info, id);  // seq
        k.put64(info + 8, r.ts_nsec);
        k.put16(info + 16, static_cast<uint16_t>(static_cast<int>(r.text.size()) + r.text_len_delta));
        k.put32(info + 20, 0x80000000u);  // caller_id: CPU 0 (1.7.2 does not print it)
        ++id;
    }
    const uint64_t rb = kRingStruct;
    k.put64(kKernelBase + kPrbVar, rb);
    k.put32(rb + 0, spec.count_bits);
    k.put64(rb + 8, descs);
    k.put64(rb + 16, infos);
    k.put64(rb + 24, spec.override_ids ? spec.head_id : id - 1);
    k.put64(rb + 32, spec.override_ids ? spec.tail_id : spec.first_id);
    k.put32(rb + 48, spec.size_bits);
    k.put64(rb + 56, text);
    k.put64(rb + 64, lpos);
    k.put64(rb + 72, spec.first_lpos);
    k.extra_vmcoreinfo += "SYMBOL(prb)=" + hex(kKernelBase + kPrbVar) + "\nSYMBOL(printk_rb_static)=" + hex(rb) +
                          "\n"
                          "SIZE(printk_ringbuffer)=88\nOFFSET(printk_ringbuffer.desc_ring)=0\n"
                          "OFFSET(printk_ringbuffer.text_data_ring)=48\nOFFSET(printk_ringbuffer.fail)=80\n"
                          "SIZE(prb_desc_ring)=48\nOFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
                          "OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
                          "OFFSET(prb_desc_ring.tail_id)=32\nSIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\n"
                          "OFFSET(prb_desc.text_blk_lpos)=8\nSIZE(prb_data_blk_lpos)=16\n"
                          "OFFSET(prb_data_blk_lpos.begin)=0\nOFFSET(prb_data_blk_lpos.next)=8\nSIZE(printk_info)=88\n"
                          "OFFSET(printk_info.seq)=0\nOFFSET(printk_info.ts_nsec)=8\nOFFSET(printk_info.text_len)=16\n"
                          "OFFSET(printk_info.caller_id)=20\nOFFSET(printk_info.dev_info)=24\nSIZE(prb_data_ring)=32\n"
                          "OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
                          "OFFSET(prb_data_ring.head_lpos)=16\nOFFSET(prb_data_ring.tail_lpos)=24\n"
                          "SIZE(atomic_long_t)=8\nOFFSET(atomic_long_t.counter)=0\n";
}

std::vector<uint32_t> write_log_buf(SyntheticKernel& k, const LogBufSpec& spec, const std::vector<LogBufRecord>& records) {
    constexpr uint32_t kHeader = 16;  // sizeof(struct printk_log) on x86_64
    std::vector<uint32_t> at;
    uint32_t off = spec.first_idx;
    for (const LogBufRecord& r : records) {
        const auto size = static_cast<uint32_t>(align8(kHeader + r.text.size() + r.dict.size()));
        if (off + size + kHeader > spec.buf_len) {  // log_store(): no room for it and a marker
            k.put16(kLogBufData + off + 8, 0);       // len 0: the end-of-buffer marker
            off = 0;
        }
        const uint64_t p = kLogBufData + off;
        k.put64(p, r.ts_nsec);
        k.put16(p + 8, static_cast<uint16_t>(size));
        k.put16(p + 10, static_cast<uint16_t>(r.text.size()));
        k.put16(p + 12, static_cast<uint16_t>(r.dict.size()));
        k.put16(p + 14, 6u << 13);  // facility 0, flags 0, level 6
        k.put_text(p + kHeader, r.text);
        k.put_text(p + kHeader + r.text.size(), r.dict);
        at.push_back(off);
        off += size;
    }
    k.put64(kKernelBase + kLogBufVar, kLogBufData);
    k.put32(kKernelBase + kLogBufLenVar, spec.buf_len);
    k.put32(kKernelBase + kFirstIdxVar, spec.first_idx);
    k.put32(kKernelBase + kNextIdxVar, spec.override_next ? spec.next_idx : off);
    k.extra_vmcoreinfo += "SYMBOL(log_buf)=" + hex(kKernelBase + kLogBufVar) + "\nSYMBOL(log_buf_len)=" +
                          hex(kKernelBase + kLogBufLenVar) + "\nSYMBOL(log_first_idx)=" + hex(kKernelBase + kFirstIdxVar) +
                          "\nSYMBOL(log_next_idx)=" + hex(kKernelBase + kNextIdxVar) +
                          "\nSIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
                          "OFFSET(printk_log.text_len)=10\n";
    return at;
}

}  // namespace kdf::dmesg::test
