#include "core/format/kdump_compressed.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>

#include "core/format/note_bytes.h"
#include "core/vmcore/elf_layout.h"
#include "core/vmcore/elf_note.h"

namespace kdf::format {
namespace {

using vmcore::elf::kEmX86_64;
constexpr uint16_t kEmAarch64 = 183;
constexpr uint16_t kEmPpc64 = 21;
constexpr uint16_t kEmS390 = 22;

std::string machine_name(uint16_t e_machine) {
    switch (e_machine) {
    case kEmX86_64: return "x86_64";
    case kEmAarch64: return "aarch64";
    case kEmPpc64: return "ppc64le";
    case kEmS390: return "s390x";
    default: return "";
    }
}

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

    // Block 0: disk_dump_header.
    header_.utsname.sysname = "Linux";
    header_.utsname.nodename = plan_.nodename;
    header_.utsname.release = std::string(core.vmcoreinfo().osrelease().value_or(""));
    header_.utsname.machine = machine_name(core.machine());
    header_.timestamp_sec = plan_.timestamp;
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
    sub.phys_base = static_cast<uint64_t>(core.vmcoreinfo().number("phys_base").value_or(0));  // two's complement
    sub.dump_level = plan_.dump_level;
    sub.offset_note = page_size_ + kdump::kSubHeaderSize;
    sub.size_note = notes->bytes.size();
    if (notes->has_vmcoreinfo) {
        sub.offset_vmcoreinfo = sub.offset_note + notes->vmcoreinfo_offset;
        sub.size_vmcoreinfo = notes->vmcoreinfo_size;
    }
    sub.max_mapnr_64 = pages.max_mapnr();

    desc_offset_ = (1 + sub_blocks + bitmap_blocks) * page_size_;
    zero_page_offset_ = desc_offset_ + pages.count() * kdump::kPageDescSize;
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
// page is dumped; zero pages keep their bit and share the zero page).
Status KdumpCompressedWriter::write_bitmaps(uint64_t first_offset, uint64_t bytes_per_bitmap) {
    const auto& runs = plan_.pages->runs();
    std::vector<std::byte> win(static_cast<size_t>(std::min(kBitmapWindowBytes, bytes_per_bitmap)));
    size_t r = 0;
    for (uint64_t done = 0; done < bytes_per_bitmap; done += win.size()) {
        const uint64_t n = std::min<uint64_t>(win.size(), bytes_per_bitmap - done);
        std::span<std::byte> part(win.data(), n);
        std::fill(part.begin(), part.end(), std::byte{0});
        const uint64_t lo = done * 8, hi = (done + n) * 8;
        while (r < runs.size() && runs[r].end_pfn() <= lo) ++r;
        for (size_t k = r; k < runs.size() && runs[k].first_pfn < hi; ++k)
            set_bits(win, lo, std::max(lo, runs[k].first_pfn), std::min(hi, runs[k].end_pfn()));
        if (Status s = write(first_offset + done, part); !s.is_ok()) return s;
        if (Status s = write(first_offset + bytes_per_bitmap + done, part); !s.is_ok()) return s;
    }
    return Status::ok();
}

Status KdumpCompressedWriter::add_page(const PageRecord& page) {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "add_page() outside begin()/finish()");
    char msg[160];
    if (page.data.size() > page_size_ || page.data.empty() || (page.flags == 0 && page.data.size() != page_size_)) {
        std::snprintf(msg, sizeof msg, "page pfn 0x%" PRIx64 ": %zu bytes with flags 0x%x (page size %" PRIu64 ")",
                      page.pfn, page.data.size(), page.flags, page_size_);
        return fail(error(msg));
    }
    if (Status s = order_.accept(page.pfn, "kdump writer"); !s.is_ok()) return fail(s);

    kdump::PageDesc d;
    if ((plan_.dump_level & 1) && page.zero) {
        d.offset = zero_page_offset_;
        d.size = static_cast<uint32_t>(page_size_);
    } else {
        d.offset = data_.cursor();
        d.size = static_cast<uint32_t>(page.data.size());
        d.flags = page.flags;
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

Status KdumpCompressedWriter::finish() {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "finish() without begin()");
    if (!order_.done()) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "finish() after %" PRIu64 " of %" PRIu64 " pages: the dump is incomplete",
                      order_.delivered(), plan_.pages->count());
        return fail(error(msg));
    }
    if (Status s = flush_descriptors(); !s.is_ok()) return fail(s);
    if (Status s = write_disk_header(plan_.codec_flag); !s.is_ok()) return fail(s);
    state_ = State::finished;
    return Status::ok();
}

std::unique_ptr<DumpWriter> make_kdump_writer(const DumpPlan& plan, DumpOutput& out) {
    return std::make_unique<KdumpCompressedWriter>(plan, out);
}

}  // namespace kdf::format
