// tests/unit/dmesg/synthetic_kernel.h - a tiny x86_64 vmcore whose only RAM is a kernel-image
// area the test fills byte by byte, plus writers for the two kernel log layouts.
//
// Image addresses translate by phys_base alone (kKernelBase -> kImagePhys), so no page tables are
// needed: VMCOREINFO names init_top_pgt at the first image page only because translation
// requires the root to be inside the dump. The log writers follow the kernel's own layout rules
// (kernel/printk/printk_ringbuffer.c data_alloc(), printk.c log_store()), independently of
// core/dmesg, so the reader is checked against a second implementation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kdf::dmesg::test {

inline constexpr uint64_t kKernelBase = 0xffffffff81000000ULL;  // image vaddr of physical kImagePhys
inline constexpr uint64_t kImagePhys = 0x1000000;                 // phys_base 0

class SyntheticKernel {
public:
    explicit SyntheticKernel(size_t image_bytes = 256 * 1024) : image_(image_bytes) {}

    void put(uint64_t vaddr, const void* bytes, size_t n);
    void put64(uint64_t vaddr, uint64_t v);
    void put32(uint64_t vaddr, uint32_t v);
    void put16(uint64_t vaddr, uint16_t v);
    void put_text(uint64_t vaddr, const std::string& s) { put(vaddr, s.data(), s.size()); }

    // VMCOREINFO lines beyond the translation basics (OSRELEASE, PAGESIZE, phys_base, root).
    std::string extra_vmcoreinfo;
    std::string osrelease = "6.1.0-synthetic";

    // Writes the vmcore to `path`; `truncate_image_at` (when non-zero) cuts the PT_LOAD's file
    // bytes short there, leaving the rest of the image unreadable.
    bool write(const std::string& path, uint64_t truncate_image_at = 0) const;

private:
    std::vector<std::byte> image_;
};

// A lockless ring (5.10+) laid out in the image with the 6.1 structure sizes.
struct RingRecord {
    std::string text;
    uint64_t ts_nsec = 0;
    uint64_t state = 2;            // desc_finalized; 0 reserved, 1 committed, 3 reusable
    bool wrong_id = false;         // the descriptor holds another id (a "miss")
    bool no_data = false;          // begin == next (a failed/empty data block)
    int text_len_delta = 0;        // text_len = text.size() + delta (a too-long text_len is cut)
};

struct RingSpec {
    uint32_t count_bits = 4;       // 16 descriptors
    uint32_t size_bits = 9;        // 512 bytes of text: small enough to wrap
    uint64_t first_id = 0;         // tail_id; records get ids first_id, first_id+1, ...
    uint64_t first_lpos = 0;       // where the tail's block starts (lpos, not an offset)
    // Overrides for corrupt rings (when non-zero/true).
    bool override_ids = false;
    uint64_t head_id = 0, tail_id = 0;
};

// Lays out the ring at image offset 0x1000 onwards; appends its VMCOREINFO lines.
void write_printk_ring(SyntheticKernel& k, const RingSpec& spec, const std::vector<RingRecord>& records);

// A 3.5-5.9 log_buf: records (struct printk_log, 16 bytes, then text, dict, 8-byte padding)
// written from `first_idx`; a record that does not fit before the end wraps to offset 0 behind a
// zero-length marker, as log_store() does. Appends its VMCOREINFO lines.
struct LogBufRecord {
    std::string text;
    uint64_t ts_nsec = 0;
    std::string dict;
};
struct LogBufSpec {
    uint32_t buf_len = 1024;
    uint32_t first_idx = 0;
    // Corruption hooks: when set, stored instead of the computed values.
    bool override_next = false;
    uint32_t next_idx = 0;
};
// Returns the offsets (in log_buf) the records were stored at.
std::vector<uint32_t> write_log_buf(SyntheticKernel& k, const LogBufSpec& spec, const std::vector<LogBufRecord>& records);

// Where the writers put things (for tests that corrupt them in place).
inline constexpr uint64_t kLogBufData = kKernelBase + 0x4000;     // log_buf's bytes
inline constexpr uint64_t kRingStruct = kKernelBase + 0x1040;     // struct printk_ringbuffer
inline constexpr uint64_t kRingDescs = kKernelBase + 0x8000;      // prb_desc[count]
inline constexpr uint64_t kRingText = kKernelBase + 0x20000;      // text data ring

}  // namespace kdf::dmesg::test
