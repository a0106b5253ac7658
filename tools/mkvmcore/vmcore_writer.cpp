#include "tools/mkvmcore/vmcore_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "kdf/unique_fd.h"
#include "tools/mkvmcore/page_content.h"
#include "tools/mkvmcore/sample_notes.h"

namespace kdf::mkvmcore {
namespace {

constexpr size_t kEhdrSize = 64;
constexpr size_t kPhdrSize = 56;
constexpr uint64_t kChunkPages = 256;  // 1 MiB written per batch

void store(std::byte* p, uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::byte>(x >> (8 * i));
}

}  // namespace

std::vector<std::byte> vmcore_headers(const SampleLayout& l, const std::vector<std::byte>& notes, uint16_t machine) {
    const uint16_t phnum = static_cast<uint16_t>(1 + l.segments.size());
    std::vector<std::byte> h(kNoteOffset + notes.size());
    std::byte* e = h.data();
    const unsigned char ident[16] = {0x7f, 'E', 'L', 'F', 2 /*ELFCLASS64*/, 1 /*LSB*/, 1 /*EV_CURRENT*/, 0};
    std::memcpy(e, ident, sizeof ident);
    store(e + 16, 4, 2);          // e_type ET_CORE
    store(e + 18, machine, 2);    // e_machine
    store(e + 20, 1, 4);          // e_version
    store(e + 32, kEhdrSize, 8);  // e_phoff
    store(e + 52, kEhdrSize, 2);  // e_ehsize
    store(e + 54, kPhdrSize, 2);  // e_phentsize
    store(e + 56, phnum, 2);      // e_phnum
    store(e + 58, 64, 2);         // e_shentsize (no sections, as in /proc/vmcore)

    std::byte* p = e + kEhdrSize;
    store(p, 4, 4);                     // PT_NOTE
    store(p + 8, kNoteOffset, 8);       // p_offset
    store(p + 32, notes.size(), 8);     // p_filesz
    store(p + 40, notes.size(), 8);     // p_memsz
    for (const SampleSegment& s : l.segments) {
        p += kPhdrSize;
        store(p, 1, 4);                 // PT_LOAD
        store(p + 4, 7, 4);             // RWE, as the kernel marks them
        store(p + 8, s.file_offset, 8);
        store(p + 16, s.vaddr, 8);
        store(p + 24, s.paddr, 8);
        store(p + 32, s.size, 8);
        store(p + 40, s.size, 8);
    }
    std::copy(notes.begin(), notes.end(), h.begin() + static_cast<ptrdiff_t>(kNoteOffset));
    return h;
}

namespace {

Status write_segment(int fd, const SampleSegment& s, const PageContent& content, std::vector<std::byte>& buf,
                     WriteSummary& sum) {
    const uint64_t pages = s.size / kPageSize;
    const uint64_t first_pfn = s.paddr / kPageSize;
    for (uint64_t done = 0; done < pages; done += kChunkPages) {
        const uint64_t n = std::min(kChunkPages, pages - done);
        // Write each run of non-zero pages with one pwrite; zero pages stay holes.
        uint64_t run_start = 0, run_len = 0;
        auto flush = [&]() -> Status {
            if (run_len == 0) return Status::ok();
            Status st = pwrite_full(fd, buf.data() + run_start * kPageSize, run_len * kPageSize,
                                    s.file_offset + (done + run_start) * kPageSize, "write");
            run_len = 0;
            return st;
        };
        for (uint64_t i = 0; i < n; ++i) {
            std::span<std::byte> page(buf.data() + i * kPageSize, kPageSize);
            if (content.fill(first_pfn + done + i, page)) {
                if (run_len == 0) run_start = i;
                ++run_len;
            } else {
                ++sum.zero_pages;
                if (Status st = flush(); !st.is_ok()) return st;
            }
        }
        if (Status st = flush(); !st.is_ok()) return st;
    }
    sum.pages += pages;
    return Status::ok();
}

}  // namespace

Result<WriteSummary> write_sample_vmcore(const MkvmcoreOptions& opts) {
    WriteSummary sum;
    sum.layout = make_sample_layout(opts.size, opts.seed);
    const std::vector<std::byte> notes = sample_notes(opts, sum.layout);
    sum.note_bytes = notes.size();
    sum.file_size = sum.layout.assign_file_offsets(kNoteOffset + notes.size());

    UniqueFd fd(::open(opts.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return Status::from_errno(errno, "create " + opts.out);
    auto failed = [&](Status st) {
        fd.reset();
        ::unlink(opts.out.c_str());
        return st.with_context(opts.out);
    };
    const std::vector<std::byte> head = vmcore_headers(sum.layout, notes);
    if (Status st = pwrite_full(fd.get(), head.data(), head.size(), 0, "write"); !st.is_ok()) return failed(st);
    std::vector<std::byte> buf(kChunkPages * kPageSize);
    const PageContent content(opts.seed, opts.mix);
    for (const SampleSegment& s : sum.layout.segments)
        if (Status st = write_segment(fd.get(), s, content, buf, sum); !st.is_ok()) return failed(st);
    // Trailing zero pages were skipped: set the length so they exist as a hole.
    if (::ftruncate(fd.get(), static_cast<off_t>(sum.file_size)) != 0)
        return failed(Status::from_errno(errno, "truncate"));
    if (Status st = fd.close("close"); !st.is_ok()) return failed(st);
    return sum;
}

}  // namespace kdf::mkvmcore
