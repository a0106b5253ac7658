// core/format/dump_writer.h - the interface between the dump pipeline and the dump formats.
//
// The pipeline (core/pipeline) reads pages in ascending PFN order, compresses them on a thread
// pool, and hands them, still in PFN order, to one DumpWriter, which lays them out in its format
// and writes bytes through a DumpOutput. Positional sinks get the file directly; stream sinks get
// it through FlattenedOutput (makedumpfile's flattened format), which turns every write_at into a
// record. Writers never buffer more than a bounded amount (descriptors, one bitmap block window).
//
// Lifecycle: begin() once (headers marked INCOMPLETE, notes, bitmaps), add_page() for every page
// of the plan's PageSet in ascending PFN order, finish() once (descriptors flushed, header
// rewritten without INCOMPLETE). After an error the output is left marked incomplete.
// Page filtering (dump level bits 2-16) does not change the PageSet: a page the level drops is
// still handed over, as a record with `excluded` set and no data, so both writers see every pfn
// in order and lay out holes themselves; the plan says up front how many such records will come
// (the kdump format sizes its descriptor table from it). A page the vmcore could not be read at
// comes as a record with `unreadable` set: the plan could not count it, so the kdump format leaves
// its descriptor slot unused (zeroed at finish(); readers index descriptors by 2nd-bitmap bits).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::format {

// Where a dump file's bytes go: a Sink with write_at, a local file, or a FlattenedOutput.
class DumpOutput {
public:
    virtual ~DumpOutput() = default;
    virtual Status write_at(uint64_t offset, std::span<const std::byte> data) = 0;
};

// One page, as the pipeline hands it over.
struct PageRecord {
    uint64_t pfn = 0;
    std::span<const std::byte> data;  // the codec's output, or the raw page when flags == 0
    uint32_t flags = 0;               // kdump page_desc flags: 0 (stored raw) or the codec's flag
    bool zero = false;                // the page is all zero bytes (dump level bit 1 drops it)
    bool excluded = false;            // dropped by its page class (free, cache, user...): no data
    // The vmcore could not be read here (EIO, SIGBUS): left out of the dump as if filtered, but not
    // one of the plan's excluded_pages (nobody knew before the read). `data` is a page of zeros
    // and `zero` is set, so a writer that cannot mark the page absent stores zeros: the kdump
    // format clears its 2nd-bitmap bit (readers see "not in the dump"); ELF, which has no way to
    // mark a hole inside a PT_LOAD without program headers reserved up front, stores it like a
    // zero page (zeros, or no file bytes when level bit 1 drops zero pages). The ranges are named
    // beside the dump (the pipeline's UnreadableRanges), never guessed from zeros.
    bool unreadable = false;
};

// What a writer knows before the first page.
struct DumpPlan {
    const vmcore::ElfVmcore* core = nullptr;  // notes, VMCOREINFO, segments
    const PageSet* pages = nullptr;           // the pages add_page() will receive, in order
    int dump_level = 0;                       // 0..31 (makedumpfile's -d)
    uint64_t excluded_pages = 0;              // records add_page() will get with `excluded` set
    uint32_t codec_flag = 0;                  // kdump::kCompressed* for the header status; 0 = none
};

class DumpWriter {
public:
    virtual ~DumpWriter() = default;
    virtual Status begin() = 0;
    virtual Status add_page(const PageRecord& page) = 0;
    virtual Status finish() = 0;
    // False for formats that store pages uncompressed (ELF): the pipeline then skips the codec.
    virtual bool wants_compressed_pages() const = 0;
    // Bytes written so far (for progress), and the final file size after finish().
    virtual uint64_t bytes_written() const = 0;
};

// kdump-compressed (makedumpfile's diskdump format).
std::unique_ptr<DumpWriter> make_kdump_writer(const DumpPlan& plan, DumpOutput& out);
// ELF vmcore (makedumpfile -E): notes kept, PT_LOADs for the kept pages.
std::unique_ptr<DumpWriter> make_elf_writer(const DumpPlan& plan, DumpOutput& out);

}  // namespace kdf::format
