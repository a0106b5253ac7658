// core/dmesg/log_buf_log.cpp - the log_buf of kernels before 5.10.
//
// 3.5 - 5.9: log_buf holds variable-length records, walked from log_first_idx to log_next_idx:
//   struct printk_log { u64 ts_nsec; u16 len; u16 text_len; u16 dict_len; u8 facility; u8 flags:5,
//                       level:3; }   (SIZE(printk_log), 16 on x86_64) followed by text, dict, padding
//   len == 0 marks the end of the used buffer: the walk continues with the record at offset 0.
// Before 3.5: plain text, log_end counting every byte ever written (the buffer wraps at log_buf_len).
// The dict (KEY=value lines after the text) is not printed, as makedumpfile does not print it.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <tuple>
#include <vector>

#include "core/common/number_text.h"
#include "core/dmesg/log_layouts.h"
#include "core/dmesg/log_line_formatter.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::dmesg {
namespace {

constexpr uint64_t kMaxLogBufLen = uint64_t{1} << 31;  // the kernel's LOG_BUF_LEN_MAX

using common::hex;

// Kernel release as major*65536 + minor*256 + patch ("4.19.0-26-amd64" -> 4.19.0); 0 when unknown.
uint32_t kernel_version(const vmcore::VmcoreInfo& info) {
    auto rel = info.osrelease();
    if (!rel) return 0;
    unsigned a = 0, b = 0, c = 0;
    const std::string s(*rel);
    if (std::sscanf(s.c_str(), "%u.%u.%u", &a, &b, &c) < 2) return 0;
    return a << 16 | b << 8 | std::min(c, 255u);
}

struct RecordKeys {
    uint64_t size = 0, ts_nsec = 0, len = 0, text_len = 0;
};

Result<KernelLog> read_text_log(const vmcore::VmcoreInfo& info, CachedVirtualReader& mem, uint64_t buf,
                                uint64_t buf_len, const KernelLogLimits& limits) {
    // log_end became `unsigned` in 2.6.25; before, an unsigned long.
    const uint64_t log_end_sym = *info.symbol("log_end");
    uint64_t log_end = 0;
    if (kernel_version(info) >= (2u << 16 | 6u << 8 | 25u)) {
        auto v = mem.u32(log_end_sym);
        if (!v.is_ok()) return v.take_status().with_context("reading log_end at " + hex(log_end_sym));
        log_end = v.value();
    } else {
        auto v = mem.u64(log_end_sym);
        if (!v.is_ok()) return v.take_status().with_context("reading log_end at " + hex(log_end_sym));
        log_end = v.value();
    }
    KernelLog log;
    log.layout = "log_buf text (before 3.5)";
    // Not yet wrapped: the first log_end bytes. Wrapped: oldest byte at log_end % len, then around.
    const uint64_t start = log_end < buf_len ? 0 : log_end & (buf_len - 1);
    const uint64_t total = std::min(log_end < buf_len ? log_end : buf_len, limits.max_text_bytes);
    if (total < std::min(log_end, buf_len)) log.note = "kernel log cut at " + std::to_string(total) + " bytes";
    log.text.resize(total);
    const uint64_t first = std::min(total, buf_len - start);
    auto bytes = std::as_writable_bytes(std::span(log.text));
    if (Status s = mem.read(buf + start, bytes.first(first)); !s.is_ok())
        return s.with_context("reading log_buf at " + hex(buf + start));
    if (Status s = mem.read(buf, bytes.subspan(first)); !s.is_ok()) return s.with_context("reading log_buf at " + hex(buf));
    log.records = 0;
    return log;
}

}  // namespace

Result<KernelLog> read_log_buf_log(const vmcore::VmcoreInfo& info, CachedVirtualReader& mem,
                                   const KernelLogLimits& limits) {
    auto log_buf_sym = required(info.symbol("log_buf"), "SYMBOL", "log_buf");
    if (!log_buf_sym.is_ok()) return log_buf_sym.take_status();
    auto log_buf_len_sym = required(info.symbol("log_buf_len"), "SYMBOL", "log_buf_len");
    if (!log_buf_len_sym.is_ok()) return log_buf_len_sym.take_status();
    auto buf = mem.u64(log_buf_sym.value());
    if (!buf.is_ok()) return buf.take_status().with_context("reading log_buf at " + hex(log_buf_sym.value()));
    auto len32 = mem.u32(log_buf_len_sym.value());  // an int in the kernel
    if (!len32.is_ok()) return len32.take_status().with_context("reading log_buf_len at " + hex(log_buf_len_sym.value()));
    const uint64_t len = len32.value();
    if (len == 0 || len > kMaxLogBufLen)
        return Status::error(Code::corrupt, "log_buf_len " + std::to_string(len) + " is out of range (1-2 GiB)");

    const auto first_sym = info.symbol("log_first_idx"), next_sym = info.symbol("log_next_idx");
    if (!first_sym || !next_sym) {
        if (info.symbol("log_end") && kernel_version(info) < (3u << 16 | 5u << 8)) {
            if ((len & (len - 1)) != 0)
                return Status::error(Code::corrupt, "log_buf_len " + std::to_string(len) + " is not a power of two");
            return read_text_log(info, mem, buf.value(), len, limits);
        }
        return required(first_sym ? next_sym : first_sym, "SYMBOL", first_sym ? "log_next_idx" : "log_first_idx")
            .take_status();
    }
    RecordKeys k;
    for (auto [into, value, name] : {std::tuple{&k.size, info.size("printk_log"), "printk_log"},
                                     std::tuple{&k.ts_nsec, info.offset("printk_log.ts_nsec"), "printk_log.ts_nsec"},
                                     std::tuple{&k.len, info.offset("printk_log.len"), "printk_log.len"},
                                     std::tuple{&k.text_len, info.offset("printk_log.text_len"), "printk_log.text_len"}}) {
        auto v = required(value, into == &k.size ? "SIZE" : "OFFSET", name);
        if (!v.is_ok()) return v.take_status();
        *into = v.value();
    }
    if (k.size == 0 || k.size > 4096 || k.size > len || k.ts_nsec + 8 > k.size || k.len + 2 > k.size || k.text_len + 2 > k.size)
        return Status::error(Code::corrupt, "VMCOREINFO SIZE(printk_log)=" + std::to_string(k.size) +
                                                " does not hold its ts_nsec, len and text_len offsets (log_buf_len " +
                                                std::to_string(len) + ")");
    auto first = mem.u32(*first_sym);
    if (!first.is_ok()) return first.take_status().with_context("reading log_first_idx at " + hex(*first_sym));
    auto next = mem.u32(*next_sym);
    if (!next.is_ok()) return next.take_status().with_context("reading log_next_idx at " + hex(*next_sym));
    const uint64_t last_start = len - k.size;  // a record header must fit before the end
    if (first.value() > last_start || next.value() > len)
        return Status::error(Code::corrupt, "log_first_idx " + std::to_string(first.value()) + " or log_next_idx " +
                                                std::to_string(next.value()) + " lies outside log_buf (" +
                                                std::to_string(len) + " bytes)");

    // printk_log.caller_id (5.1 - 5.9 with CONFIG_PRINTK_CALLER), printed only when asked for.
    std::optional<uint64_t> caller_at;
    if (limits.print_caller_id) caller_at = info.offset("printk_log.caller_id");
    if (caller_at && *caller_at + 4 > k.size)
        return Status::error(Code::corrupt, "VMCOREINFO OFFSET(printk_log.caller_id)=" + std::to_string(*caller_at) +
                                                " lies outside SIZE(printk_log)=" + std::to_string(k.size));
    KernelLog log;
    log.layout = "log_buf";
    std::vector<std::byte> header(k.size), text;
    auto u16_at = [&](uint64_t off) { return vmcore::load_le16(header.data() + off); };
    const uint64_t base = buf.value();
    uint64_t off = first.value();
    // Records only move forward, except the one wrap back to offset 0; a second wrap is a cycle.
    int wraps = 0;
    auto stop = [&](const std::string& why) -> Result<KernelLog> {
        if (log.records == 0) return Status::error(Code::corrupt, "log_buf: " + why);
        log.note = "kernel log cut short: " + why;
        return std::move(log);
    };
    while (off != next.value()) {
        if (Status s = mem.read(base + off, header); !s.is_ok())
            return stop("reading the record at offset " + std::to_string(off) + ": " + s.message());
        uint64_t rec = off, rec_next = 0;
        if (u16_at(k.len) == 0) {  // end-of-buffer marker: this record is the one at offset 0
            rec = 0;
            if (Status s = mem.read(base, header); !s.is_ok())
                return stop("reading the record at offset 0: " + s.message());
            rec_next = u16_at(k.len);
        } else {
            rec_next = off + u16_at(k.len);
        }
        if (rec_next <= off && ++wraps > 1)
            return stop("the records loop back on themselves at offset " + std::to_string(off) + " (corrupt log_buf)");

        uint64_t ts = vmcore::load_le64(header.data() + k.ts_nsec);
        uint64_t text_len = std::min<uint64_t>(u16_at(k.text_len), len - (rec + k.size));
        text.resize(text_len);
        if (Status s = mem.read(base + rec + k.size, text); !s.is_ok())
            return stop("reading the text of the record at offset " + std::to_string(rec) + ": " + s.message());
        std::optional<uint32_t> caller;
        if (caller_at) caller = vmcore::load_le32(header.data() + *caller_at);
        const size_t before = log.text.size();
        append_log_line(log.text, ts, text, caller);
        if (log.text.size() > limits.max_text_bytes) {
            log.text.resize(before);
            log.note = "kernel log cut at " + std::to_string(limits.max_text_bytes) + " bytes of text";
            return log;
        }
        ++log.records;
        if (rec_next > last_start)
            return stop("the record after offset " + std::to_string(rec) + " would start at " +
                        std::to_string(rec_next) + ", outside log_buf (" + std::to_string(len) + " bytes)");
        off = rec_next;
    }
    return log;
}

}  // namespace kdf::dmesg
