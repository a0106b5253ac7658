// tools/mkvmcore/printk_ring.h - a 6.1 lockless printk ring buffer (kernel/printk/printk_ringbuffer.h)
// holding a few known lines, so `makedumpfile --dump-dmesg` has a log to print.
//
// Layout written at a kernel-image address (the model keeps it in the image's data area):
//   prb              8-byte pointer to printk_rb_static (SYMBOL(prb))
//   printk_rb_static struct printk_ringbuffer (88 bytes): desc_ring {count_bits, descs, infos,
//                    head_id, tail_id}, text_data_ring {size_bits, data, head_lpos, tail_lpos}, fail
//   descs            prb_desc[count]: state_var = (desc_finalized << 62) | id, text_blk_lpos {begin, next}
//   infos            printk_info[count] (88 bytes): seq, ts_nsec, text_len, facility, flags/level, caller_id
//   text data        data blocks: unsigned long id, then the text, each 8-byte aligned
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/mkvmcore/phys_overlay.h"

namespace kdf::mkvmcore {

struct PrintkLine {
    uint64_t ts_nsec = 0;
    std::string text;
};

struct PrintkRingPlace {
    uint64_t vaddr = 0;  // kernel virtual address of the area (SYMBOL(prb) is its first 8 bytes)
    uint64_t paddr = 0;  // where that area is in physical memory
};

inline constexpr uint32_t kPrbDescCountBits = 5;   // 32 descriptors
inline constexpr uint32_t kPrbTextSizeBits = 13;   // 8 KiB of text
inline constexpr uint64_t kPrbAreaSize = 0x4000;   // all of it fits in 16 KiB

// Writes the ring into `mem`; returns the symbol addresses as "SYMBOL(prb)" etc. need them:
// {prb, printk_rb_static, clear_seq}.
struct PrintkSymbols {
    uint64_t prb = 0, printk_rb_static = 0, clear_seq = 0;
};
PrintkSymbols write_printk_ring(PhysOverlay& mem, const PrintkRingPlace& at, const std::vector<PrintkLine>& lines);

// The VMCOREINFO lines a 6.1 kernel exports for the ring (log_buf_vmcoreinfo_setup()).
std::string printk_vmcoreinfo(const PrintkSymbols& s);

}  // namespace kdf::mkvmcore
