#include "core/format/elf_writer.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/format/note_bytes.h"
#include "core/vmcore/elf_layout.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::format {
namespace {

using namespace vmcore::elf;  // ELF numbers shared with the reader (elf_layout.h)
constexpr uint32_t kPfRwx = 7;

constexpr auto put16 = vmcore::store_le16;
constexpr auto put32 = vmcore::store_le32;
constexpr auto put64 = vmcore::store_le64;

Status error(const std::string& what) { return Status::error(Code::corrupt, "ELF writer: " + what); }

}  // namespace

ElfWriter::ElfWriter(const DumpPlan& plan, DumpOutput& out)
    : plan_(plan), out_(&out), order_(plan.pages), data_(out, kDataBufferBytes) {}

Status ElfWriter::fail(Status s) {
    state_ = State::failed;
    return s;
}

Status ElfWriter::write(uint64_t offset, std::span<const std::byte> bytes) {
    if (Status s = out_->write_at(offset, bytes); !s.is_ok()) return s;
    written_ += bytes.size();
    return Status::ok();
}

Status ElfWriter::write_ehdr(uint32_t e_flags) {
    std::byte h[kEhdrSize] = {};
    const unsigned char ident[] = {0x7f, 'E', 'L', 'F', kElfClass64, kElfData2Lsb, 1 /*EV_CURRENT*/};
    std::memcpy(h, ident, sizeof ident);
    put16(h + 16, kEtCore);
    put16(h + 18, plan_.core->machine());
    put32(h + 20, 1);  // EV_CURRENT
    put64(h + 32, kEhdrSize);  // e_phoff
    put64(h + 40, shoff_);
    put32(h + 48, e_flags);
    put16(h + 52, kEhdrSize);
    put16(h + 54, kPhdrSize);
    put16(h + 56, static_cast<uint16_t>(shoff_ != 0 ? kPnXnum : phnum_));
    put16(h + 58, shoff_ != 0 ? kShdrSize : 0);  // no section header, no size (as makedumpfile)
    put16(h + 60, shoff_ != 0 ? 1 : 0);  // e_shnum
    if (Status s = write(0, h); !s.is_ok()) return s;
    if (shoff_ != 0) {
        std::byte sh[kShdrSize] = {};
        put32(sh + 44, static_cast<uint32_t>(phnum_));  // sh_info holds the real e_phnum
        return write(shoff_, sh);
    }
    return Status::ok();
}

Status ElfWriter::write_phdr(uint64_t slot, uint32_t type, uint64_t offset, uint64_t vaddr, uint64_t paddr,
                             uint64_t filesz, uint64_t memsz, uint32_t flags) {
    std::byte p[kPhdrSize] = {};
    put32(p, type);
    put32(p + 4, flags);
    put64(p + 8, offset);
    put64(p + 16, vaddr);
    put64(p + 24, paddr);
    put64(p + 32, filesz);
    put64(p + 40, memsz);
    return write(kEhdrSize + slot * kPhdrSize, p);
}

Status ElfWriter::begin() {
    if (state_ != State::fresh) return fail(error("begin() called twice"));
    if (plan_.core == nullptr || plan_.pages == nullptr) return fail(error("plan without a vmcore or page set"));
    const PageSet& pages = *plan_.pages;
    page_size_ = pages.page_size();
    auto notes = read_note_bytes(*plan_.core);
    if (!notes.is_ok()) return fail(notes.take_status().with_context("ELF writer"));

    // The most PT_LOADs a run can need: each after the first is preceded by >= kSplitPages excluded
    // pages and holds >= 1 page, so k segments need at least (k - 1) * (kSplitPages + 1) pages.
    const bool splits = (plan_.dump_level & 1) || plan_.excluded_pages;
    slots_ = 1;
    for (const PageSet::Run& r : pages.runs()) slots_ += splits ? 1 + r.count / (kSplitPages + 1) : 1;
    // Each alias mapping gets a PT_LOAD per segment it overlaps. Within one run, the segments that
    // overlap a window of n pages are the one it starts in plus those starting inside it, each
    // (k - 2) * (kSplitPages + 1) pages after the second: at most 2 + n / (kSplitPages + 1).
    for (const vmcore::LoadSegment& a : plan_.core->segments()) {
        if (!a.alias || a.mem_size == 0) continue;
        const uint64_t first = a.paddr / page_size_, end = (a.phys_end() + page_size_ - 1) / page_size_;
        alias_tails_.push_back(AliasTail{a.phdr_index, end, 0});
        for (const PageSet::Run& r : pages.runs()) {
            const uint64_t lo = std::max(first, r.first_pfn), hi = std::min(end, r.end_pfn());
            if (lo < hi) slots_ += splits ? 2 + (hi - lo) / (kSplitPages + 1) : 1;
        }
    }
    if (slots_ > UINT32_MAX) return fail(error("too many program headers"));
    uint64_t at = kEhdrSize + slots_ * kPhdrSize;
    if (slots_ >= kPnXnum) {
        shoff_ = at;
        at += kShdrSize;
    }
    const uint64_t note_offset = at;
    at += notes->bytes.size();
    const uint64_t data_offset = (at + page_size_ - 1) / page_size_ * page_size_;
    data_.start_at(data_offset);

    phnum_ = 1;
    if (Status s = write_ehdr(1); !s.is_ok()) return fail(s);
    // Reserved slots and the padding before the data are written as zeros: on a raw device they
    // would otherwise hold whatever was there before.
    {
        std::vector<std::byte> zeros(std::min<uint64_t>(data_offset - kEhdrSize, 1 << 20));
        for (uint64_t off = kEhdrSize; off < data_offset; off += zeros.size()) {
            const uint64_t n = std::min<uint64_t>(zeros.size(), data_offset - off);
            if (Status s = write(off, std::span<const std::byte>(zeros.data(), n)); !s.is_ok()) return fail(s);
        }
    }
    if (shoff_ != 0)
        if (Status s = write_ehdr(1); !s.is_ok()) return fail(s);  // the section header after the zeros
    if (Status s = write_phdr(0, kPtNote, note_offset, 0, 0, notes->bytes.size(), notes->bytes.size(), 0); !s.is_ok())
        return fail(s);
    if (Status s = write(note_offset, notes->bytes); !s.is_ok()) return fail(s);
    state_ = State::begun;
    return Status::ok();
}

Status ElfWriter::open_segment(uint64_t pfn) {
    seg_ = Segment{true, pfn, data_.cursor(), pfn};
    return Status::ok();
}

// Writes the open segment's PT_LOAD: bytes up to kept_end_pfn, memory up to mem_end_pfn.
Status ElfWriter::close_segment(uint64_t mem_end_pfn) {
    if (!seg_.open) return Status::ok();
    seg_.open = false;
    if (phnum_ >= slots_) return error("more PT_LOADs than reserved (internal error)");
    const uint64_t paddr = seg_.start_pfn * page_size_;
    uint64_t vaddr = 0;
    if (const auto* range = plan_.core->phys_map().find(paddr)) {
        for (const vmcore::LoadSegment& s : plan_.core->segments())
            if (s.phdr_index == range->phdr_index) vaddr = s.vaddr + (paddr - s.paddr);
    }
    const uint64_t filesz = (seg_.kept_end_pfn - seg_.start_pfn) * page_size_;
    uint64_t mem_end = mem_end_pfn * page_size_;
    // An input range ending inside a page (x86_64's first one ends at 0x9fc00): that page is not in
    // the page set, but the PT_LOAD still covers it up to the range's end, as the input's did.
    if (const auto* range = plan_.core->phys_map().find(mem_end - 1))
        if (range->end() > mem_end && range->end() - mem_end < page_size_) mem_end = range->end();
    if (Status s = write_phdr(phnum_, kPtLoad, seg_.file_offset, vaddr, paddr, filesz, mem_end - paddr, kPfRwx);
        !s.is_ok())
        return s;
    ++phnum_;
    return write_alias_phdrs(paddr, paddr + filesz, mem_end);
}

// The input's other virtual mappings of [paddr, mem_end) (the kernel image: kernel-text addresses,
// the page-table root among them, resolve only through it) as PT_LOADs over the same file bytes,
// cut where the segment just written is cut, as makedumpfile cuts its copy of them.
Status ElfWriter::write_alias_phdrs(uint64_t paddr, uint64_t file_end, uint64_t mem_end) {
    for (const vmcore::LoadSegment& a : plan_.core->segments()) {
        if (!a.alias) continue;
        const uint64_t lo = std::max(paddr, a.paddr), hi = std::min(mem_end, a.phys_end());
        if (lo >= hi) continue;
        if (phnum_ >= slots_) return error("more PT_LOADs than reserved (internal error)");
        uint64_t alias_file_end = std::min(file_end, hi);
        if (hi == a.phys_end()) {
            // The mapping ends inside this segment: its excluded tail is not file bytes, as at the
            // end of any PT_LOAD (the pages after the tail are, for the segment itself).
            const uint64_t kept_end = alias_kept_end(a);
            alias_file_end = std::min(alias_file_end, kept_end * page_size_);
        }
        const uint64_t filesz = std::clamp(alias_file_end, lo, hi) - lo;
        // A piece with no file bytes points at the end of the segment's bytes, never past the file.
        const uint64_t offset = seg_.file_offset + (std::min(lo, file_end) - paddr);
        if (Status s = write_phdr(phnum_, kPtLoad, offset, a.vaddr + (lo - a.paddr), lo, filesz, hi - lo, kPfRwx);
            !s.is_ok())
            return s;
        ++phnum_;
    }
    return Status::ok();
}

// One past the last kept page below the alias mapping's end (0: none yet).
uint64_t ElfWriter::alias_kept_end(const vmcore::LoadSegment& alias) const {
    for (const AliasTail& t : alias_tails_)
        if (t.phdr_index == alias.phdr_index) return t.kept_end_pfn;
    return 0;
}

void ElfWriter::note_kept_for_aliases(uint64_t pfn) {
    for (AliasTail& t : alias_tails_)
        if (pfn < t.end_pfn) t.kept_end_pfn = pfn + 1;
}

Status ElfWriter::add_page(const PageRecord& page) {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "add_page() outside begin()/finish()");
    if (!page.excluded && (page.flags != 0 || page.data.size() != page_size_)) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "page pfn 0x%" PRIx64 ": %zu bytes with flags 0x%x; ELF wants raw %" PRIu64 "-byte pages",
                      page.pfn, page.data.size(), page.flags, page_size_);
        return fail(error(msg));
    }
    if (Status s = order_.accept(page.pfn, "ELF writer"); !s.is_ok()) return fail(s);

    if (page.excluded || ((plan_.dump_level & 1) && page.zero)) {
        if (pending_ == 0) pending_start_pfn_ = page.pfn;
        ++pending_;
    } else {
        note_kept_for_aliases(page.pfn);
        if (seg_.open && pending_ < kSplitPages) {
            // A short excluded run inside a segment: cheaper as zeros than as another PT_LOAD.
            if (Status s = data_.append_zeros(pending_ * page_size_); !s.is_ok()) return fail(s);
            seg_.kept_end_pfn += pending_;
        } else if (seg_.open) {
            if (Status s = close_segment(page.pfn); !s.is_ok()) return fail(s);
            if (Status s = open_segment(page.pfn); !s.is_ok()) return fail(s);
        } else if (pending_ > 0 && pending_ < kSplitPages) {
            // Short excluded run at the start of a run: keep the run's start address.
            if (Status s = open_segment(pending_start_pfn_); !s.is_ok()) return fail(s);
            if (Status s = data_.append_zeros(pending_ * page_size_); !s.is_ok()) return fail(s);
            seg_.kept_end_pfn += pending_;
        } else {
            if (pending_ > 0) {
                // A long excluded run at the start: a PT_LOAD with no file bytes keeps it mapped.
                if (Status s = open_segment(pending_start_pfn_); !s.is_ok()) return fail(s);
                if (Status s = close_segment(page.pfn); !s.is_ok()) return fail(s);
            }
            if (Status s = open_segment(page.pfn); !s.is_ok()) return fail(s);
        }
        pending_ = 0;
        if (Status s = data_.append(page.data); !s.is_ok()) return fail(s);
        seg_.kept_end_pfn = page.pfn + 1;
    }
    if (order_.run_ended()) {
        const uint64_t run_end = page.pfn + 1;
        if (!seg_.open && pending_ > 0) {
            if (Status s = open_segment(pending_start_pfn_); !s.is_ok()) return fail(s);  // run all excluded
        }
        if (Status s = close_segment(run_end); !s.is_ok()) return fail(s);
        pending_ = 0;
    }
    return Status::ok();
}

Status ElfWriter::finish() {
    if (state_ != State::begun)
        return error(state_ == State::failed ? "an earlier error stopped this dump" : "finish() without begin()");
    if (!order_.done()) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "finish() after %" PRIu64 " of %" PRIu64 " pages: the dump is incomplete",
                      order_.delivered(), plan_.pages->count());
        return fail(error(msg));
    }
    if (Status s = data_.flush(); !s.is_ok()) return fail(s);
    if (Status s = write_ehdr(0); !s.is_ok()) return fail(s);
    state_ = State::finished;
    return Status::ok();
}

std::unique_ptr<DumpWriter> make_elf_writer(const DumpPlan& plan, DumpOutput& out) {
    return std::make_unique<ElfWriter>(plan, out);
}

}  // namespace kdf::format
