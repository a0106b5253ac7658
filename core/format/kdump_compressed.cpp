#include "core/format/kdump_compressed.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>

#include "core/arch/kernel_utsname.h"
#include "core/format/kdump_phys_base.h"
#include "core/format/note_bytes.h"
#include "core/vmcore/elf_layout.h"
#include "core/vmcore/elf_note.h"

namespace kdf::format {
namespace {

Status error(const std::string& what) { return Status::error(Code::corrupt, "kdump writer: " + what); }

// Sets bits [from, to) of a bitmap window whose bit 0 is `base`.
void set_bits(std::vector<std::byte>& win, uint64_t base, uint64_t from, uint64_t to) {
    uint64_t b = from - base, e = to - base;
    while (b < e && (b & 7) != 0) { win[b >> 3] |= std::byte(1u << (b & 7)); ++b; }
    if (b < e && e - b >= 8) {
        uint64_t whole = (e - b) >> 3;
        std::fill_n(win.begin() + static_cast<std::ptrdiff_t>(b >> 3), whole, std::byte{0xff});
        b += whole << 3;
    }
    while (b < e) { win[b >> 3] |= std::byte(1u << (b & 7)); ++b; }
}

// Sets the bits of the present pages (the 1st bitmap) in `part`, which holds bitmap bytes from
// `first_byte` on.
void fill_present(const PageSet& pages, std::vector<std::byte>& part, uint64_t first_byte, uint64_t n) {
    std::fill_n(part.begin(), n, std::byte{0});
    const auto& runs = pages.runs();
    const uint64_t lo = first_byte * 8, hi = (first_byte + n) * 8;
    auto it = std::upper_bound(runs.begin(), runs.end(), lo, [](uint64_t p, const PageSet::Run& r) { return p < r.end_pfn(); });
    for (; it != runs.end() && it->first_pfn < hi; ++it)
        set_bits(part, lo, std::max(lo, it->first_pfn), std::min(hi, it->end_pfn()));
}

}  // namespace

KdumpCompressedWriter::KdumpCompressedWriter(const DumpPlan& plan, DumpOutput& out)
    : plan_(plan), out_(&out), order_(plan.pages), data_(out, kDataBufferBytes) {}

Status KdumpCompressedWriter::fail(Status s) {
    state_ = State::failed;
    return s;
}

Status KdumpCompressedWriter::write(uint64_t offset, std::span<const std::byte> bytes) {
    if (Status s = out_->write_at(offset, bytes); !s.is_ok()) return s;
    written_ += bytes.size();
    return Status::ok();
}

Status KdumpCompressedWriter::write_disk_header(uint32_t status) {
    header_.status = status;
    std::vector<std::byte> block(page_size_);  // the whole block: a raw device holds old bytes
    kdump::encode(header_, block);
    return write(0, block);
}

Status KdumpCompressedWriter::begin() {
    if (state_ != State::fresh) return fail(error("begin() called twice"));
    if (plan_.core == nullptr || plan_.pages == nullptr) return fail(error("plan without a vmcore or page set"));
    const vmcore::ElfVmcore& core = *plan_.core;
    const PageSet& pages = *plan_.pages;
    if (plan_.dump_level < 0 || plan_.dump_level > 31)
        return fail(error("dump level " + std::to_string(plan_.dump_level) + " is not in 0-31"));

    page_size_ = core.vmcoreinfo().page_size().value_or(4096);
    if (page_size_ != pages.page_size())
        return fail(error("VMCOREINFO PAGESIZE " + std::to_string(page_size_) + " differs from the page set's " +
                          std::to_string(pages.page_size())));
    if (page_size_ < kdump::kDiskDumpHeaderSize || page_size_ > (1u << 20) || (page_size_ & (page_size_ - 1)) != 0)
        return fail(error("page size " + std::to_string(page_size_) + " is not usable as a kdump block size"));

    auto notes = read_note_bytes(core);
    if (!notes.is_ok()) return fail(notes.take_status().with_context("kdump writer"));

    // Block 0: disk_dump_header, as makedumpfile fills it: the crashed kernel's own utsname (readers
    // identify the kernel by it: libkdumpfile takes the OS type from `version`, crash checks
    // `release`), and the crash time from VMCOREINFO (0 without CRASHTIME), not the time of the copy.
    const arch::KernelUtsname uts = arch::read_kernel_utsname(core);
    header_.utsname = kdump::Utsname{uts.sysname, uts.nodename, uts.release, uts.version, uts.machine, uts.domainname};
    header_.timestamp_sec = core.vmcoreinfo().crashtime().value_or(0);
    header_.timestamp_usec = 0;
    header_.block_size = static_cast<int32_t>(page_size_);
    const uint64_t sub_bytes = kdump::kSubHeaderSize + notes->bytes.size();
    const uint64_t sub_blocks = (sub_bytes + page_size_ - 1) / page_size_;
    header_.sub_hdr_size = static_cast<int32_t>(sub_blocks);
    const uint64_t bitmap_bytes = kdump::bitmap_bytes_per_bitmap(pages.max_mapnr(), static_cast<uint32_t>(page_size_));
    const uint64_t bitmap_blocks = 2 * bitmap_bytes / page_size_;
    if (bitmap_blocks > std::numeric_limits<uint32_t>::max()) return fail(error("bitmap does not fit the header"));
    header_.bitmap_blocks = static_cast<uint32_t>(bitmap_blocks);
    header_.max_mapnr = static_cast<uint32_t>(std::min<uint64_t>(pages.max_mapnr(), std::numeric_limits<uint32_t>::max()));
    header_.nr_cpus = static_cast<int32_t>(core.cpu_notes().size());

    // Block 1..: sub-header, notes right after it.
    kdump::SubHeader sub;
    sub.phys_base = kdump_phys_base(core);
    sub.dump_level = plan_.dump_level;
    sub.offset_note = page_size_ + kdump::kSubHeaderSize;
    sub.size_note = notes->bytes.size();
    if (notes->has_vmcoreinfo) {
        sub.offset_vmcoreinfo = sub.offset_note + notes->vmcoreinfo_offset;
        sub.size_vmcoreinfo = notes->vmcoreinfo_size;
    }
    sub.max_mapnr_64 = pages.max_mapnr();

    desc_offset_ = (1 + sub_blocks + bitmap_blocks) * page_size_;
    if (plan_.excluded_pages > pages.count()) return fail(error("plan excludes more pages than there are"));
    zero_page_offset_ = desc_offset_ + (pages.count() - plan_.excluded_pages) * kdump::kPageDescSize;
    bitmap_bytes_ = bitmap_bytes;
    bitmap2_offset_ = (1 + sub_blocks) * page_size_ + bitmap_bytes;
    data_.start_at(zero_page_offset_);

    if (Status s = write_disk_header(plan_.codec_flag | kdump::kCompressedIncomplete); !s.is_ok()) return fail(s);
    {
        std::vector<std::byte> blocks(sub_blocks * page_size_);
        kdump::encode(sub, blocks);
        std::copy(notes->bytes.begin(), notes->bytes.end(), blocks.begin() + kdump::kSubHeaderSize);
        if (Status s = write(page_size_, blocks); !s.is_ok()) return fail(s);
    }
    if (Status s = write_bitmaps((1 + sub_blocks) * page_size_, bitmap_bytes); !s.is_ok()) return fail(s);
    if (plan_.dump_level & 1)
        if (Status s = data_.append_zeros(page_size_); !s.is_ok()) return fail(s);
    descs_.reserve(kDescBatch * kdump::kPageDescSize);
    state_ = State::begun;
    return Status::ok();
}

// Both bitmaps, window by window: at levels 0 and 1 the 2nd bitmap equals the 1st (every present
// page is dumped; zero pages keep their bit and share the zero page). Page-class exclusions clear
// 2nd-bitmap bits later, as the excluded records arrive.
Status KdumpCompressedWriter::write_bitmaps(uint64_t first_offset, uint64_t bytes_per_bitmap) {
    std::vector<std::byte> win(static_cast<size_t>(std::min(kBitmapWindowBytes, bytes_per_bitmap)));
    for (uint64_t done = 0; done < bytes_per_bitmap; done += win.size()) {
        const uint64_t n = std::min<uint64_t>(win.size(), bytes_per_bitmap - done);
        fill_present(*plan_.pages, win, done, n);
        std::span<std::byte> part(win.data(), n);
        if (Status s = write(first_offset + done, part); !s.is_ok()) return s;
        if (Status s = write(first_offset + bytes_per_bitmap + done, part); !s.is_ok()) return s;
    }
    return Status::ok();
}

Status KdumpCompressedWriter::flush_bitmap2_window() {
    if (bm2_.empty()) return Status::ok();
    Status s = write(bitmap2_offset_ + bm2_first_byte_, bm2_);
    bm2_.clear();
    return s;
}

Status KdumpCompressedWriter::clear_bitmap2_bit(uint64_t pfn) {
    const uint64_t byte = pfn / 8;
    if (bm2_.empty() || byte < bm2_first_byte_ || byte >= bm2_first_byte_ + bm2_.size()) {
        if (Status s = flush_bitmap2_window(); !s.is_ok()) return s;
        bm2_first_byte_ = byte / kBitmapWindowBytes * kBitmapWindowBytes;
        const uint64_t n = std::min<uint64_t>(kBitmapWindowBytes, bitmap_bytes_ - bm2_first_byte_);
        bm2_.resize(static_cast<size_t>(n));
        fill_present(*plan_.pages, bm2_, bm2_first_byte_, n);
    }
    bm2_[byte - bm2_first_byte_] &= ~std::byte(1u << (pfn % 8));
    return Status::ok();
}

Status KdumpCompressedWriter::add_page(const PageRecord& page) {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "add_page() outside begin()/finish()");
    char msg[160];
    if (!page.excluded && (page.data.size() > page_size_ || page.data.empty() || (page.flags == 0 && page.data.size() != page_size_))) {
        std::snprintf(msg, sizeof msg, "page pfn 0x%" PRIx64 ": %zu bytes with flags 0x%x (page size %" PRIu64 ")",
                      page.pfn, page.data.size(), page.flags, page_size_);
        return fail(error(msg));
    }
    if (Status s = order_.accept(page.pfn, "kdump writer"); !s.is_ok()) return fail(s);
    if (page.unreadable) {
        // Left out like a filtered page; its descriptor slot stays unused (see finish()).
        ++unreadable_seen_;
        if (Status s = clear_bitmap2_bit(page.pfn); !s.is_ok()) return fail(s);
        return Status::ok();
    }
    if (page.excluded) {
        if (++excluded_seen_ > plan_.excluded_pages) return fail(error("more excluded pages than the plan announced"));
        if (Status s = clear_bitmap2_bit(page.pfn); !s.is_ok()) return fail(s);
        return Status::ok();
    }

    kdump::PageDesc d;
    if ((plan_.dump_level & 1) && page.zero) {
        d.offset = zero_page_offset_;
        d.size = static_cast<uint32_t>(page_size_);
    } else {
        d.offset = data_.cursor();
        d.size = static_cast<uint32_t>(page.data.size());
        d.flags = page.flags;
        codec_flags_seen_ |= page.flags;
        if (Status s = data_.append(page.data); !s.is_ok()) return fail(s);
    }
    descs_.resize(descs_.size() + kdump::kPageDescSize);
    kdump::encode(d, std::span<std::byte>(descs_).last(kdump::kPageDescSize));
    if (descs_.size() >= kDescBatch * kdump::kPageDescSize)
        if (Status s = flush_descriptors(); !s.is_ok()) return fail(s);
    return Status::ok();
}

Status KdumpCompressedWriter::flush_descriptors() {
    if (Status s = data_.flush(); !s.is_ok()) return s;  // data before the descriptors that point at it
    if (descs_.empty()) return Status::ok();
    if (Status s = write(desc_offset_ + desc_flushed_ * kdump::kPageDescSize, descs_); !s.is_ok()) return s;
    desc_flushed_ += descs_.size() / kdump::kPageDescSize;
    descs_.clear();
    return Status::ok();
}

// The descriptor slots of unreadable pages, at the table's end: readers never index them (they
// count 2nd-bitmap bits), but on a raw device they would otherwise hold old bytes.
Status KdumpCompressedWriter::zero_unused_descriptors() {
    std::vector<std::byte> zeros(static_cast<size_t>(std::min<uint64_t>(unreadable_seen_, kDescBatch) * kdump::kPageDescSize));
    for (uint64_t left = unreadable_seen_; left > 0;) {
        const uint64_t n = std::min<uint64_t>(left, kDescBatch);
        std::span<const std::byte> part(zeros.data(), static_cast<size_t>(n * kdump::kPageDescSize));
        if (Status s = write(desc_offset_ + desc_flushed_ * kdump::kPageDescSize, part); !s.is_ok()) return s;
        desc_flushed_ += n;
        left -= n;
    }
    return Status::ok();
}

Status KdumpCompressedWriter::finish() {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "finish() without begin()");
    if (!order_.done()) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "finish() after %" PRIu64 " of %" PRIu64 " pages: the dump is incomplete",
                      order_.delivered(), plan_.pages->count());
        return fail(error(msg));
    }
    if (excluded_seen_ != plan_.excluded_pages) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "%" PRIu64 " pages were excluded, the plan announced %" PRIu64
                      ": the descriptor table would not match", excluded_seen_, plan_.excluded_pages);
        return fail(error(msg));
    }
    if (Status s = flush_bitmap2_window(); !s.is_ok()) return fail(s);
    if (Status s = flush_descriptors(); !s.is_ok()) return fail(s);
    if (Status s = zero_unused_descriptors(); !s.is_ok()) return fail(s);
    if (Status s = write_disk_header(plan_.codec_flag | codec_flags_seen_); !s.is_ok()) return fail(s);
    state_ = State::finished;
    return Status::ok();
}

std::unique_ptr<DumpWriter> make_kdump_writer(const DumpPlan& plan, DumpOutput& out) {
    return std::make_unique<KdumpCompressedWriter>(plan, out);
}

}  // namespace kdf::format
