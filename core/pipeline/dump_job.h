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
    std::string format = "kdump";  // "kdump" (also used inside a flattened stream) or "elf"
    int level = 0;                 // 0 or 1 in this version
    std::string codec = "zlib";
    std::optional<int> codec_level;
    unsigned threads = 0;          // 0 = online CPUs
    std::string nodename;
    int64_t timestamp = 0;
    std::function<void(uint64_t input_bytes, uint64_t total_input_bytes)> progress;
};

struct DumpJobResult {
    PipelineStats stats;
    uint64_t output_bytes = 0;
};

// The kdump page flag written for `codec` (0 for none), or an error for an unknown codec.
Result<uint32_t> kdump_flag_of(const std::string& codec);

Result<DumpJobResult> write_dump(const vmcore::ElfVmcore& core, format::DumpOutput& out, const DumpJobOptions& options);

}  // namespace kdf::pipeline
