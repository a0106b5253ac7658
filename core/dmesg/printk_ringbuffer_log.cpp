// core/dmesg/printk_ringbuffer_log.cpp - the lockless printk ring buffer of kernels 5.10+
// (kernel/printk/printk_ringbuffer.h), walked from tail_id to head_id as makedumpfile does.
//
//   prb -> struct printk_ringbuffer
//            desc_ring      { count_bits, descs*, infos*, head_id, tail_id }
//            text_data_ring { size_bits, data*, head_lpos, tail_lpos }
//   descs[id % count]  { state_var = state << 62 | id, text_blk_lpos { begin, next } }
//   infos[id % count]  { seq, ts_nsec, text_len (u16), ... }
//   data[begin % size] { unsigned long id; char text[] }  (a block that wraps starts again at 0)
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "core/common/number_text.h"
#include "core/dmesg/log_layouts.h"
#include "core/dmesg/log_line_formatter.h"

namespace kdf::dmesg {
namespace {

constexpr uint64_t kIdMask = (uint64_t{1} << 62) - 1;  // DESC_ID_MASK: the state lives in bits 62-63
constexpr uint64_t kStateCommitted = 1, kStateFinalized = 2;
// The kernel caps log_buf_len at 2 GiB (LOG_BUF_LEN_MAX) and gives one descriptor per 32 bytes of
// text (PRB_AVGBITS 5), so larger values can only come from a corrupt ring.
constexpr uint32_t kMaxSizeBits = 31, kMaxCountBits = 26, kMinSizeBits = 3;
constexpr uint64_t kMaxStructSize = 4096;

struct Keys {
    uint64_t prb = 0;
    uint64_t rb_desc_ring = 0, rb_text_ring = 0;
    uint64_t dr_count_bits = 0, dr_descs = 0, dr_infos = 0, dr_head_id = 0, dr_tail_id = 0;
    uint64_t desc_size = 0, desc_state_var = 0, desc_text_lpos = 0, lpos_begin = 0, lpos_next = 0;
    uint64_t info_size = 0, info_ts_nsec = 0, info_text_len = 0;
    uint64_t tr_size_bits = 0, tr_data = 0;
    uint64_t counter = 0;
    std::optional<uint64_t> info_caller_id;  // only when the caller id is to be printed
};

Result<Keys> keys_from(const vmcore::VmcoreInfo& info, bool with_caller_id) {
    Keys k;
    struct Need {
        uint64_t* into;
        std::optional<uint64_t> value;
        const char* kind;
        const char* name;
    };
    const Need needs[] = {
        {&k.prb, info.symbol("prb"), "SYMBOL", "prb"},
        {&k.rb_desc_ring, info.offset("printk_ringbuffer.desc_ring"), "OFFSET", "printk_ringbuffer.desc_ring"},
        {&k.rb_text_ring, info.offset("printk_ringbuffer.text_data_ring"), "OFFSET", "printk_ringbuffer.text_data_ring"},
        {&k.dr_count_bits, info.offset("prb_desc_ring.count_bits"), "OFFSET", "prb_desc_ring.count_bits"},
        {&k.dr_descs, info.offset("prb_desc_ring.descs"), "OFFSET", "prb_desc_ring.descs"},
        {&k.dr_infos, info.offset("prb_desc_ring.infos"), "OFFSET", "prb_desc_ring.infos"},
        {&k.dr_head_id, info.offset("prb_desc_ring.head_id"), "OFFSET", "prb_desc_ring.head_id"},
        {&k.dr_tail_id, info.offset("prb_desc_ring.tail_id"), "OFFSET", "prb_desc_ring.tail_id"},
        {&k.desc_size, info.size("prb_desc"), "SIZE", "prb_desc"},
        {&k.desc_state_var, info.offset("prb_desc.state_var"), "OFFSET", "prb_desc.state_var"},
        {&k.desc_text_lpos, info.offset("prb_desc.text_blk_lpos"), "OFFSET", "prb_desc.text_blk_lpos"},
        {&k.lpos_begin, info.offset("prb_data_blk_lpos.begin"), "OFFSET", "prb_data_blk_lpos.begin"},
        {&k.lpos_next, info.offset("prb_data_blk_lpos.next"), "OFFSET", "prb_data_blk_lpos.next"},
        {&k.info_size, info.size("printk_info"), "SIZE", "printk_info"},
        {&k.info_ts_nsec, info.offset("printk_info.ts_nsec"), "OFFSET", "printk_info.ts_nsec"},
        {&k.info_text_len, info.offset("printk_info.text_len"), "OFFSET", "printk_info.text_len"},
        {&k.tr_size_bits, info.offset("prb_data_ring.size_bits"), "OFFSET", "prb_data_ring.size_bits"},
        {&k.tr_data, info.offset("prb_data_ring.data"), "OFFSET", "prb_data_ring.data"},
    };
    for (const Need& n : needs) {
        auto v = required(n.value, n.kind, n.name);
        if (!v.is_ok()) return v.take_status();
        *n.into = v.value();
    }
    // atomic_long_t is { long counter; } on every kernel; older exports may leave it out.
    k.counter = info.offset("atomic_long_t.counter").value_or(0);
    if (with_caller_id) k.info_caller_id = info.offset("printk_info.caller_id");

    auto fits = [](uint64_t offset, uint64_t bytes, uint64_t size) { return offset <= size && bytes <= size - offset; };
    if (k.desc_size == 0 || k.desc_size > kMaxStructSize ||
        !fits(k.desc_state_var + k.counter, 8, k.desc_size) ||
        !fits(k.desc_text_lpos + std::max(k.lpos_begin, k.lpos_next), 8, k.desc_size))
        return Status::error(Code::corrupt, "VMCOREINFO SIZE(prb_desc)=" + std::to_string(k.desc_size) +
                                                " does not hold its state_var and text_blk_lpos offsets");
    if (k.info_size == 0 || k.info_size > kMaxStructSize || !fits(k.info_ts_nsec, 8, k.info_size) ||
        !fits(k.info_text_len, 2, k.info_size))
        return Status::error(Code::corrupt, "VMCOREINFO SIZE(printk_info)=" + std::to_string(k.info_size) +
                                                " does not hold its ts_nsec and text_len offsets");
    if (k.info_caller_id && !fits(*k.info_caller_id, 4, k.info_size))
        return Status::error(Code::corrupt, "VMCOREINFO OFFSET(printk_info.caller_id)=" + std::to_string(*k.info_caller_id) +
                                                " lies outside SIZE(printk_info)=" + std::to_string(k.info_size));
    return k;
}

using common::hex;

class RingWalk {
public:
    RingWalk(const Keys& k, CachedVirtualReader& mem, const KernelLogLimits& limits, KernelLog& log)
        : k_(k), mem_(mem), limits_(limits), log_(log) {}

    // Reads the ring's header and checks its sizes.
    Status setup();
    // Prints every committed record from tail_id to head_id (head included, as makedumpfile does).
    Status walk();

private:
    Status read_u64(uint64_t vaddr, const char* what, uint64_t& out);
    Status read_u32(uint64_t vaddr, const char* what, uint32_t& out);
    // Appends record `id` when it is committed or finalized and has text; `stop` when the log
    // cannot go on (the note says why).
    Status record(uint64_t id, bool& stop);
    void note(const std::string& why) {
        if (log_.note.empty()) log_.note = why;
    }

    const Keys& k_;
    CachedVirtualReader& mem_;
    const KernelLogLimits& limits_;
    KernelLog& log_;
    uint64_t count_ = 0, size_ = 0;
    uint64_t descs_ = 0, infos_ = 0, data_ = 0;
    uint64_t head_ = 0, tail_ = 0;
    std::vector<std::byte> text_;
};

Status RingWalk::read_u64(uint64_t vaddr, const char* what, uint64_t& out) {
    auto v = mem_.u64(vaddr);
    if (!v.is_ok()) return v.take_status().with_context(std::string("reading ") + what + " at " + hex(vaddr));
    out = v.value();
    return Status::ok();
}

Status RingWalk::read_u32(uint64_t vaddr, const char* what, uint32_t& out) {
    auto v = mem_.u32(vaddr);
    if (!v.is_ok()) return v.take_status().with_context(std::string("reading ") + what + " at " + hex(vaddr));
    out = v.value();
    return Status::ok();
}

Status RingWalk::setup() {
    uint64_t rb = 0;
    if (Status s = read_u64(k_.prb, "prb", rb); !s.is_ok()) return s;
    const uint64_t dr = rb + k_.rb_desc_ring, tr = rb + k_.rb_text_ring;
    uint32_t count_bits = 0, size_bits = 0;
    for (Status s : {read_u32(dr + k_.dr_count_bits, "prb->desc_ring.count_bits", count_bits),
                     read_u64(dr + k_.dr_descs, "prb->desc_ring.descs", descs_),
                     read_u64(dr + k_.dr_infos, "prb->desc_ring.infos", infos_),
                     read_u64(dr + k_.dr_head_id + k_.counter, "prb->desc_ring.head_id", head_),
                     read_u64(dr + k_.dr_tail_id + k_.counter, "prb->desc_ring.tail_id", tail_),
                     read_u32(tr + k_.tr_size_bits, "prb->text_data_ring.size_bits", size_bits),
                     read_u64(tr + k_.tr_data, "prb->text_data_ring.data", data_)})
        if (!s.is_ok()) return s;
    if (count_bits > kMaxCountBits)
        return Status::error(Code::corrupt, "printk ring: desc_ring.count_bits " + std::to_string(count_bits) +
                                                " is out of range (at most " + std::to_string(kMaxCountBits) + ")");
    if (size_bits < kMinSizeBits || size_bits > kMaxSizeBits)
        return Status::error(Code::corrupt, "printk ring: text_data_ring.size_bits " + std::to_string(size_bits) +
                                                " is out of range (" + std::to_string(kMinSizeBits) + "-" +
                                                std::to_string(kMaxSizeBits) + ")");
    count_ = uint64_t{1} << count_bits;
    size_ = uint64_t{1} << size_bits;
    // The arrays must at least begin and end in readable memory, or nothing in them can be trusted.
    std::byte probe[1];
    const std::pair<uint64_t, const char*> edges[] = {
        {descs_, "desc_ring.descs"}, {descs_ + count_ * k_.desc_size - 1, "the end of desc_ring.descs"},
        {infos_, "desc_ring.infos"}, {infos_ + count_ * k_.info_size - 1, "the end of desc_ring.infos"},
        {data_, "text_data_ring.data"}, {data_ + size_ - 1, "the end of text_data_ring.data"}};
    for (const auto& [at, what] : edges)
        if (Status s = mem_.read(at, probe); !s.is_ok())
            return s.with_context(std::string("printk ring: reading ") + what + " at " + hex(at));
    head_ &= kIdMask;
    tail_ &= kIdMask;
    return Status::ok();
}

Status RingWalk::record(uint64_t id, bool& stop) {
    const uint64_t slot = id % count_;
    const uint64_t desc = descs_ + slot * k_.desc_size;
    uint64_t state_var = 0, begin = 0, next = 0;
    for (Status s : {read_u64(desc + k_.desc_state_var + k_.counter, "a descriptor's state_var", state_var),
                     read_u64(desc + k_.desc_text_lpos + k_.lpos_begin, "a descriptor's text_blk_lpos", begin),
                     read_u64(desc + k_.desc_text_lpos + k_.lpos_next, "a descriptor's text_blk_lpos", next)})
        if (!s.is_ok()) return s;
    // Reserved (being written), reusable, or a descriptor already reused for another id: skipped.
    const uint64_t state = state_var >> 62;
    if ((state_var & kIdMask) != id || (state != kStateCommitted && state != kStateFinalized)) return Status::ok();
    begin %= size_;
    next %= size_;
    if (begin == next) return Status::ok();  // no text (a failed or empty data block)

    const uint64_t info = infos_ + slot * k_.info_size;
    uint64_t ts_nsec = 0;
    if (Status s = read_u64(info + k_.info_ts_nsec, "a record's ts_nsec", ts_nsec); !s.is_ok()) return s;
    auto len16 = mem_.u16(info + k_.info_text_len);
    if (!len16.is_ok()) return len16.take_status().with_context("reading a record's text_len at " + hex(info));
    uint64_t text_len = len16.value();

    if (begin > next) begin = 0;  // the block wrapped: its text starts at the beginning of the ring
    begin += 8;                   // the block starts with the descriptor id
    // A text_len longer than the block is cut to the block (unsigned, as makedumpfile computes it).
    if (next - begin < text_len) text_len = next - begin;
    if (begin >= size_) text_len = 0;
    if (text_len > size_ - std::min(begin, size_)) {
        text_len = size_ - begin;
        note("printk ring: record " + std::to_string(id) + " runs past the end of the text ring; cut there");
    }
    text_.resize(text_len);
    if (Status s = mem_.read(data_ + begin, text_); !s.is_ok())
        return s.with_context("reading the text of record " + std::to_string(id) + " at " + hex(data_ + begin));

    std::optional<uint32_t> caller;
    if (k_.info_caller_id) {
        auto caller_id = mem_.u32(info + *k_.info_caller_id);
        if (!caller_id.is_ok()) return caller_id.take_status().with_context("reading a record's caller_id at " + hex(info));
        caller = caller_id.value();
    }
    const size_t before = log_.text.size();
    append_log_line(log_.text, ts_nsec, text_, caller);
    if (log_.text.size() > limits_.max_text_bytes) {
        log_.text.resize(before);
        note("kernel log cut at record " + std::to_string(id) + ": more than " +
             std::to_string(limits_.max_text_bytes) + " bytes of text");
        stop = true;
        return Status::ok();
    }
    ++log_.records;
    return Status::ok();
}

Status RingWalk::walk() {
    // A sane ring never holds more than `count` ids between tail and head. Older ids would share
    // descriptors with newer ones and be skipped as stale anyway, so only the newest `count` are
    // visited: the walk is bounded whatever head_id and tail_id say.
    uint64_t first = tail_;
    const uint64_t span = (head_ - tail_) & kIdMask;
    if (span >= count_) {
        first = (head_ - (count_ - 1)) & kIdMask;
        note("printk ring: tail_id " + std::to_string(tail_) + " and head_id " + std::to_string(head_) +
             " are more than the ring's " + std::to_string(count_) + " descriptors apart; read the newest " +
             std::to_string(count_));
    }
    for (uint64_t id = first;; id = (id + 1) & kIdMask) {
        bool stop = false;
        if (Status s = record(id, stop); !s.is_ok()) {
            if (log_.records == 0) return s;
            note("kernel log cut short at record " + std::to_string(id) + ": " + s.message());
            return Status::ok();
        }
        if (stop || id == head_) break;
    }
    return Status::ok();
}

}  // namespace

Result<KernelLog> read_printk_ringbuffer_log(const vmcore::VmcoreInfo& info, CachedVirtualReader& mem,
                                             const KernelLogLimits& limits) {
    auto keys = keys_from(info, limits.print_caller_id);
    if (!keys.is_ok()) return keys.take_status();
    KernelLog log;
    log.layout = "printk_ringbuffer";
    RingWalk walk(keys.value(), mem, limits, log);
    if (Status s = walk.setup(); !s.is_ok()) return s;
    if (Status s = walk.walk(); !s.is_ok()) return s;
    return log;
}

}  // namespace kdf::dmesg
