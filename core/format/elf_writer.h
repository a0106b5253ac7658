// core/format/elf_writer.h - the ELF vmcore writer (makedumpfile -E): an ELF64 ET_CORE file shaped
// like /proc/vmcore, for tools that read only ELF.
//
//   0              Elf64_Ehdr        e_flags = 1 (makedumpfile's "incomplete") until finish()
//   64             Elf64_Phdr x slots PT_NOTE first, then the PT_LOADs as they are closed; the table
//                                    is reserved for the most PT_LOADs the plan could need (below),
//                                    unused slots stay zero and e_phnum counts only the used ones
//   [..]           Elf64_Shdr 0      only when the count may reach PN_XNUM (0xffff): sh_info = count
//   ..             notes             the vmcore's PT_NOTE bytes, verbatim
//   page aligned   page data         raw pages, sequential, PFN order
//
// PT_LOADs: one per PageSet run at level 0. At level & 1 zero pages, and at any level the pages
// the filter excludes (PageRecord::excluded), are left out of the file: a run
// of at least kSplitPages excluded pages closes the PT_LOAD (its p_memsz still covers the excluded
// run, p_filesz stops before it, as makedumpfile does for excluded tails) and the next kept page
// opens a new one; shorter runs are written as zeros (a PT_LOAD per isolated zero page would cost
// more than it saves). p_vaddr is the original segment's vaddr for the same paddr. Every other
// virtual mapping of the input (an alias PT_LOAD: the kernel image at kernel-text addresses) gets a
// PT_LOAD per written segment it overlaps, cut the same way and pointing at the same file bytes
// (readers that translate kernel-text addresses, drgn among them, need it; the pages are stored
// once). Memory: fixed (data buffer), whatever the dump size.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/format/dump_writer.h"
#include "core/format/page_order.h"
#include "core/format/sequential_buffer.h"

namespace kdf::format {

class ElfWriter final : public DumpWriter {
public:
    static constexpr uint64_t kSplitPages = 256;  // makedumpfile's PFN_EXCLUDED
    static constexpr size_t kDataBufferBytes = 1 << 20;

    ElfWriter(const DumpPlan& plan, DumpOutput& out);

    Status begin() override;
    Status add_page(const PageRecord& page) override;
    Status finish() override;
    bool wants_compressed_pages() const override { return false; }
    uint64_t bytes_written() const override { return written_ + data_.bytes_flushed(); }

private:
    struct Segment {
        bool open = false;
        uint64_t start_pfn = 0;
        uint64_t file_offset = 0;
        uint64_t kept_end_pfn = 0;  // one past the last page whose bytes are in the file
    };

    Status write(uint64_t offset, std::span<const std::byte> bytes);
    Status write_ehdr(uint32_t e_flags);
    Status write_phdr(uint64_t slot, uint32_t type, uint64_t offset, uint64_t vaddr, uint64_t paddr, uint64_t filesz,
                      uint64_t memsz, uint32_t flags);
    Status close_segment(uint64_t mem_end_pfn);
    Status write_alias_phdrs(uint64_t paddr, uint64_t file_end, uint64_t mem_end);
    uint64_t alias_kept_end(const vmcore::LoadSegment& alias) const;
    void note_kept_for_aliases(uint64_t pfn);
    Status open_segment(uint64_t pfn);
    Status fail(Status s);

    DumpPlan plan_;
    DumpOutput* out_;
    PageOrder order_;
    SequentialBuffer data_;
    uint64_t page_size_ = 4096;
    uint64_t slots_ = 0;   // reserved program header slots (PT_NOTE included)
    uint64_t phnum_ = 0;   // used slots
    uint64_t shoff_ = 0;   // section header 0 when slots_ >= PN_XNUM, else 0
    Segment seg_;
    // Per alias PT_LOAD of the input: one past the last kept page below its end, to cut its tail.
    struct AliasTail {
        uint32_t phdr_index = 0;
        uint64_t end_pfn = 0;
        uint64_t kept_end_pfn = 0;
    };
    std::vector<AliasTail> alias_tails_;
    uint64_t pending_ = 0;            // excluded pages since the segment's kept end (or run start)
    uint64_t pending_start_pfn_ = 0;
    uint64_t written_ = 0;
    enum class State { fresh, begun, finished, failed } state_ = State::fresh;
};

}  // namespace kdf::format
