// core/pipeline/page_pipeline.h - reader -> compressor pool -> writer, with bounded memory.
//
//   main thread:  ask the filter which pfns of the next piece of a run are kept, read those
//                 (one pread per stretch of kept pages) and mark the zero pages ──> work queue
//                 (a batch with nothing to compress goes straight to the done slots)
//   N workers:    compress each page with their own Codec ──> done slots
//   main thread:  take finished batches strictly in order ──> DumpWriter::add_page()
//
// Memory is fixed at start: `in_flight` batches of `batch_pages` pages, each with a raw buffer and
// a buffer of max_compressed_size per page, recycled for the whole dump. Batches are cut from the
// PageSet's runs as the dump goes (never planned for the whole dump up front). A batch spans at
// most kMaxSpanFactor * batch_pages pfns, so at level 31 (most pages excluded) it still carries
// a useful number of pages. Nothing grows with the dump size. With threads = 1 the one worker
// compresses while the main thread does the I/O and the filtering.
// Excluded pages (the filter's verdict) are neither read nor compressed: the writer receives a
// PageRecord with `excluded` set, in pfn order like every other page.
//
// `codec = auto`: each worker holds one codec per candidate of the ladder, and each batch carries
// the candidate the main thread's CodecChooser picked when it cut the batch. Every kSampleEvery-th
// batch one of its pages is also compressed by every candidate (timed in the worker's own CPU
// time), and the main thread times each batch's hand-over to the writer: the sink's drain rate.
// Pages carry their codec's flag, so the formats that store the codec per page (kdump, flat) mix
// them freely.
//
// Errors: the first error (read, codec, writer) stops everything; run() returns it after joining
// the workers. The writer is left as it was (its output stays marked incomplete). Except memory
// the vmcore cannot give (ElfVmcore::is_unreadable_memory: EIO, SIGBUS through mmap, a range that
// vanished): the failed stretch is read again page by page, the pages that still fail go to the
// writer as `unreadable` records (left out as if filtered), each range of them is announced once
// through `unreadable_range`, and the dump goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/format/dump_writer.h"
#include "core/filter/page_filter.h"
#include "core/format/page_set.h"
#include "core/pipeline/unreadable_ranges.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::pipeline {

struct PipelineOptions {
    std::string codec = "none";      // a name CodecRegistry knows, or "auto"
    std::string auto_readers = "any";  // auto: the reader set whose ladder it uses (auto_ladder.h)
    std::optional<int> level;        // codec level; default: the codec's
    unsigned threads = 1;            // compressor threads (>= 1)
    unsigned batch_pages = 64;       // pages per batch (256 KiB at 4 KiB pages)
    unsigned in_flight = 0;          // batches in memory at once; 0 = 2 * threads + 2
    // The writer drops zero pages (dump level bit 1): they are detected but not compressed.
    bool zero_pages_dropped = false;
    // Which pages the dump level drops; nullptr = none (levels 0 and 1). Used from the calling
    // thread only, in ascending pfn order.
    filter::PageFilter::Cursor* filter = nullptr;
    // Called once per range of unreadable pages, when the range closes: one line naming it
    // (UnreadableRanges::describe). Unset: the ranges are only counted and put in the note.
    std::function<void(const std::string& line)> unreadable_range;
    // Called after each batch is handed to the writer: input bytes consumed so far.
    std::function<void(uint64_t input_bytes)> progress;
    // auto: the choice and why (CodecChooser::explain), about once a second and once at the end.
    std::function<void(const std::string& line)> auto_note;
};

// Pages one codec of an auto ladder compressed (stored compressed, not raw).
struct CodecPages {
    std::string label;  // "lzo", "zstd-3"
    uint64_t pages = 0;
};

struct PipelineStats {
    uint64_t pages = 0;           // pages handed over with data (zero pages included)
    uint64_t excluded_pages = 0;  // pages handed over as excluded by the filter
    uint64_t zero_pages = 0;
    uint64_t stored_raw = 0;     // pages that did not get smaller and were stored uncompressed
    uint64_t input_bytes = 0;     // present pages covered (excluded ones too) x page size
    uint64_t output_page_bytes = 0;
    std::vector<CodecPages> codec_pages;  // auto: per candidate, in ladder order; else empty
    uint64_t codec_switches = 0;          // auto: how often the choice moved
    uint64_t unreadable_pages = 0;   // pages the vmcore could not be read at, left out
    uint64_t unreadable_ranges = 0;
    std::string unreadable_note;     // the text for vmcore-unreadable.txt; empty when all was read
};

// Streams every page of `pages` from `core` through the codec into `writer` (begin/add/finish are
// the caller's: this only feeds pages). Returns the statistics, or the first error.
Result<PipelineStats> run_page_pipeline(const vmcore::ElfVmcore& core, const format::PageSet& pages,
                                        format::DumpWriter& writer, const PipelineOptions& options);

// Online CPUs (at least 1): the default for `threads`.
unsigned online_cpus();

}  // namespace kdf::pipeline
