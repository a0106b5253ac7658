// core/pipeline/dump_job.h - one whole dump: vmcore -> chosen format -> a DumpOutput.
//
// Shared by `kdump-failover collect` (a local file or stdout) and the chain's attempts (a Sink).
// The caller owns the output; for a stream it passes a format::FlattenedOutput and writes its
// header/end marker around this call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/format/dump_writer.h"
#include "core/pipeline/page_pipeline.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::pipeline {

struct DumpJobOptions {
    std::string format = "kdump";  // a dump_format.h name; "flat" lays out the kdump file the caller's
                                   // FlattenedOutput turns into records
    int level = 0;                 // makedumpfile's dump level, 0..31
    std::string codec = "zlib";    // a codec name, or "auto" (chosen per batch; ELF: none, as for any codec)
    std::string readers = "any";   // auto: the reader set whose codecs it may use (auto_ladder.h)
    // auto: the choice and why, about once a second and once at the end. Unset: not reported.
    std::function<void(const std::string& line)> auto_note;
    std::optional<int> codec_level;
    unsigned threads = 0;          // 0 = online CPUs
    std::function<void(uint64_t input_bytes, uint64_t total_input_bytes)> progress;
    // One line for the user when filtering could not do all the level asks (the pages concerned
    // are dumped), and one per range of memory the vmcore could not be read at (left out). Unset: printed to stderr as "kdump-failover: warning: ..." (the attempt
    // process's stderr is the supervisor's, so the console or the kdump log shows it).
    std::function<void(const std::string& line)> warning;
};

struct DumpJobResult {
    PipelineStats stats;           // stats.unreadable_note: the text for vmcore-unreadable.txt, if any
    uint64_t output_bytes = 0;
    uint64_t excluded_pages = 0;   // dropped by page class (stats.excluded_pages too)
    double filter_seconds = 0;     // the counting pass over mem_map (the second pass runs inside the pipeline)
    std::string warning;           // what was reported through `warning`, if anything
};

// The kdump page flag written for `codec` (0 for none and for auto, whose pages carry their own), or
// an error for an unknown codec.
Result<uint32_t> kdump_flag_of(const std::string& codec);

Result<DumpJobResult> write_dump(const vmcore::ElfVmcore& core, format::DumpOutput& out, const DumpJobOptions& options);

}  // namespace kdf::pipeline
