#include "core/pipeline/dump_job.h"

#include <cstdio>

#include "core/compress/codec_registry.h"
#include "core/format/dump_format.h"
#include "core/format/page_set.h"
#include "core/pipeline/dump_filter.h"

namespace kdf::pipeline {

Result<uint32_t> kdump_flag_of(const std::string& codec) {
    if (codec == "auto") return 0u;  // the writer names every codec the pages used when it finishes
    auto c = compress::builtin_codecs().create(codec);
    if (!c.is_ok()) return c.take_status();
    return c.value()->kdump_flag();
}

Result<DumpJobResult> write_dump(const vmcore::ElfVmcore& core, format::DumpOutput& out, const DumpJobOptions& options) {
    if (options.level < 0 || options.level > 31)
        return Status::error(Code::invalid_config, "dump level " + std::to_string(options.level) + " is not in 0-31");
    const uint64_t page_size = core.has_vmcoreinfo() ? core.vmcoreinfo().page_size().value_or(4096) : 4096;
    const format::PageSet pages(core.phys_map(), page_size);
    DumpFilter filtering = prepare_dump_filter(core, pages, options.level);
    if (!filtering.warning.empty()) {
        if (options.warning) options.warning(filtering.warning);
        else std::fprintf(stderr, "kdump-failover: warning: %s\n", filtering.warning.c_str());
    }

    const format::DumpFormatEntry* dump_format = format::find_dump_format(options.format);
    if (dump_format == nullptr) {
        std::string known;
        for (const std::string& name : format::dump_format_names()) known += (known.empty() ? "" : ", ") + name;
        return Status::error(Code::invalid_config, "unknown dump format '" + options.format + "' (" + known + ")");
    }
    const std::string codec = dump_format->compressed_pages ? options.codec : std::string("none");
    auto flag = kdump_flag_of(codec);
    if (!flag.is_ok()) return flag.take_status();

    format::DumpPlan plan;
    plan.core = &core;
    plan.pages = &pages;
    plan.dump_level = options.level;
    plan.excluded_pages = filtering.excluded_pages;
    plan.codec_flag = flag.value();

    std::unique_ptr<format::DumpWriter> writer = dump_format->make_writer(plan, out);

    if (Status s = writer->begin(); !s.is_ok()) return s;
    PipelineOptions popts;
    popts.codec = codec;
    popts.auto_readers = options.readers;
    popts.auto_note = options.auto_note;
    popts.level = options.codec_level;
    popts.threads = options.threads ? options.threads : online_cpus();
    popts.zero_pages_dropped = (options.level & 1) != 0;
    const uint64_t total = pages.count() * page_size;
    if (options.progress) popts.progress = [&](uint64_t done) { options.progress(done, total); };
    popts.unreadable_range = [&options](const std::string& line) {
        if (options.warning) options.warning(line);
        else std::fprintf(stderr, "kdump-failover: warning: %s\n", line.c_str());
    };
    std::optional<filter::PageFilter::Cursor> cursor;
    if (filtering.filter) {
        cursor.emplace(filtering.filter->cursor());
        popts.filter = &*cursor;
    }
    auto stats = run_page_pipeline(core, pages, *writer, popts);
    if (!stats.is_ok()) return stats.take_status();
    if (Status s = writer->finish(); !s.is_ok()) return s;
    DumpJobResult result;
    result.stats = stats.value();
    result.output_bytes = writer->bytes_written();
    result.excluded_pages = filtering.excluded_pages;
    result.filter_seconds = filtering.count_seconds;
    result.warning = filtering.warning;
    return result;
}

}  // namespace kdf::pipeline
