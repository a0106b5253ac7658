// The attempt process: load, validate, open, write, commit. Everything here may be killed at any
// point; what it leaves behind is already named incomplete by the transport.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <span>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/chain/attempt.h"
#include "core/chain/attempt_format.h"
#include "core/chain/attempt_report.h"
#include "core/plugin/loader.h"
#include "core/plugin/plugin_sink.h"
#include "core/chain/sink_output.h"
#include "core/dmesg/kernel_log.h"
#include "core/format/flattened.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::chain {

namespace {

using std::chrono::milliseconds;

// Deadline `ms` after `from`, or none for 0.
Clock::time_point after(Clock::time_point from, uint64_t ms) {
    return ms == 0 ? Clock::time_point::max() : from + milliseconds(ms);
}

// Validated plugin + target configuration, ready to use.
struct PreparedTarget {
    plugin::LoadedPlugin plugin;
    TargetConfig config;
    uint32_t caps = 0;  // this target's capabilities (Transport::capabilities)
};

Result<PreparedTarget> prepare(const AttemptRequest& request, const AttemptReporter& report) {
    report.stage(Stage::load);
    auto loaded = plugin::load_plugin(request.target.type, request.plugin_search);
    if (!loaded.is_ok()) return loaded.take_status();

    report.stage(Stage::config);
    TargetConfig config;
    std::vector<std::string> errors = validate_target(request.target, loaded->describe(), config);
    if (!errors.empty()) {
        std::string message = errors.front();
        if (errors.size() > 1) message += " (and " + std::to_string(errors.size() - 1) + " more: run kdump-failover check)";
        return Status::error(Code::invalid_config, message).with_stage(Stage::config);
    }
    if (Status s = loaded->transport->check(config); !s.is_ok()) return s.with_stage(Stage::config);
    auto caps = plugin::target_capabilities(loaded.value(), config);
    if (!caps.is_ok()) return caps.take_status();
    return PreparedTarget{std::move(loaded).value(), std::move(config), caps.value()};
}

// Writes the dump through the sink in the chosen format, reporting input progress.
// `write_at`: the sink's hook is write_at (Description::ops), else append. `unreadable_note` gets
// the text for vmcore-unreadable.txt when some memory could not be read (empty otherwise).
Status write_dump_to_sink(const vmcore::ElfVmcore& core, Sink& sink, bool write_at, const std::string& format,
                          const AttemptRequest& request, Clock::time_point attempt_end, const AttemptReporter& report,
                          std::string& unreadable_note) {
    SinkOutput output(sink, write_at, request.target.stall_ms, attempt_end, report);
    pipeline::DumpJobOptions job;
    job.format = format == "flat" ? "kdump" : format;
    job.level = request.settings.level;
    // A target's own compress/readers win over [dump]'s (a slow link and a local disk differ).
    job.codec = request.target.compress.empty() ? request.settings.compress : request.target.compress;
    job.readers = request.target.readers.empty() ? request.settings.readers : request.target.readers;
    job.auto_note = [&report](const std::string& line) { report.note("codec " + line); };
    job.threads = request.settings.threads;
    job.progress = [&report](uint64_t done, uint64_t total) { report.bytes(done, total); };
    if (format != "flat") {
        auto written = pipeline::write_dump(core, output, job);
        if (!written.is_ok()) return written.take_status().with_stage(Stage::write);
        unreadable_note = std::move(written->stats.unreadable_note);
        return Status::ok();
    }
    // A stream target: every positional write of the kdump writer becomes a flattened record, sent
    // front to back (append, or write_at at contiguous offsets). A positional target forced to
    // `flat` gets the same stream.
    format::FlattenedOutput flat([&output](std::span<const std::byte> bytes) { return output.write_next(bytes); });
    auto written = pipeline::write_dump(core, flat, job);
    if (!written.is_ok()) return written.take_status().with_stage(Stage::write);
    unreadable_note = std::move(written->stats.unreadable_note);
    return flat.end();
}

// One warning line on the console (the attempt's stderr is the supervisor's log). The attempt
// protocol has no warning message, and a warning must not fail or slow the dump.
void warn(const AttemptRequest& request, const std::string& text) {
    std::fprintf(stderr, "kdump-failover: target '%s': warning: %s\n", request.target.name.c_str(), text.c_str());
    std::fflush(stderr);
}

// The kernel log for vmcore-dmesg.txt, or nothing (with a warning) when it cannot be read: the log
// is a convenience, the dump is the job. A log cut short by a corrupt ring is still written.
std::optional<std::string> read_dmesg(const vmcore::ElfVmcore& core, const AttemptRequest& request) {
    auto memory = arch::KernelMemory::open(core);
    auto log = memory.is_ok() ? dmesg::read_kernel_log(memory.value()) : Result<dmesg::KernelLog>(memory.take_status());
    if (!log.is_ok()) {
        warn(request, "no vmcore-dmesg.txt (the kernel log cannot be read): " + log.status().to_string());
        return std::nullopt;
    }
    if (log->truncated()) warn(request, "vmcore-dmesg.txt is incomplete: " + log->note);
    return std::move(log->text);
}

// Writes vmcore-dmesg.txt before the dump data. A sink that refuses it costs the log, not the dump.
void put_dmesg(Sink& sink, const std::string& text, const AttemptRequest& request, Clock::time_point attempt_end,
               const AttemptReporter& report) {
    CallOptions opts;
    opts.stage = Stage::write;
    opts.deadline = std::min(after(Clock::now(), request.target.stall_ms), attempt_end);
    opts.progress = &AttemptReporter::heartbeat;
    opts.progress_context = const_cast<AttemptReporter*>(&report);
    const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    if (Status s = sink.put_file("vmcore-dmesg.txt", bytes, opts); !s.is_ok())
        warn(request, "vmcore-dmesg.txt not written: " + s.to_string());
}

// Writes vmcore-unreadable.txt after the dump data, before the commit: which ranges of memory are
// missing from this dump and why. A sink that keeps side files in front of the data (a raw
// volume, an ssh stream) refuses a late one; the ranges were already on the console, so that
// costs one more warning, never the dump.
void put_unreadable_note(Sink& sink, const std::string& text, const AttemptRequest& request,
                         Clock::time_point attempt_end, const AttemptReporter& report) {
    CallOptions opts;
    opts.stage = Stage::write;
    opts.deadline = std::min(after(Clock::now(), request.target.stall_ms), attempt_end);
    opts.progress = &AttemptReporter::heartbeat;
    opts.progress_context = const_cast<AttemptReporter*>(&report);
    const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
    if (Status s = sink.put_file(pipeline::kUnreadableNoteName, bytes, opts); !s.is_ok())
        warn(request, std::string(pipeline::kUnreadableNoteName) + " not written (the console lines above name the ranges): " +
                          s.to_string());
}

Status run_probe(const AttemptRequest& request, PreparedTarget& target, const AttemptReporter& report,
                 Clock::time_point start) {
    report.stage(Stage::probe);
    CallOptions opts;
    opts.stage = Stage::probe;
    opts.deadline = after(start, request.target.connect_ms);
    auto found = target.plugin.transport->probe(target.config, opts);
    if (!found.is_ok()) return found.take_status().with_stage(Stage::probe);
    report.done(found->summary);
    return Status::ok();
}

}  // namespace

Status run_attempt_body(const AttemptRequest& request, const AttemptReporter& report) {
    const Clock::time_point start = Clock::now();
    const Clock::time_point attempt_end = after(start, request.target.total_ms);

    auto prepared = prepare(request, report);
    if (!prepared.is_ok()) return prepared.take_status();
    if (request.kind == AttemptRequest::Kind::probe) return run_probe(request, prepared.value(), report, start);

    auto core = vmcore::ElfVmcore::open(request.vmcore_path,
                                        request.settings.mmap ? vmcore::ReadMode::automatic : vmcore::ReadMode::pread);
    if (!core.is_ok()) return core.take_status().with_stage(Stage::open);
    // Read before the target is opened: a few hundred KiB from the vmcore, and a failure here is
    // reported once, before the transfer's progress line starts.
    const std::optional<std::string> dmesg_text =
        request.settings.dmesg ? read_dmesg(core.value(), request) : std::nullopt;

    auto format = choose_dump_format(request.target, request.settings, prepared->caps);
    if (!format.is_ok()) return format.take_status().with_context(format_key_where(request.target, request.settings));
    DumpInfo dump = request.dump;
    dump.format = format.value();
    dump.final_name = final_dump_name(format.value());

    report.stage(Stage::open);
    CallOptions open_opts;
    open_opts.stage = Stage::open;
    open_opts.deadline = std::min(after(start, request.target.connect_ms), attempt_end);
    open_opts.progress = &AttemptReporter::heartbeat;
    open_opts.progress_context = const_cast<AttemptReporter*>(&report);
    auto opened = prepared->plugin.transport->open(prepared->config, dump, open_opts);
    if (!opened.is_ok()) return opened.take_status().with_stage(Stage::open);
    plugin::PluginSink sink(prepared->plugin.transport, std::move(opened).value());

    report.stage(Stage::write);
    if (dmesg_text) put_dmesg(*sink, *dmesg_text, request, attempt_end, report);
    const bool write_at = (prepared->plugin.describe().ops & static_cast<uint32_t>(SinkOp::write_at)) != 0;
    std::string unreadable_note;
    Status written =
        write_dump_to_sink(core.value(), *sink, write_at, dump.format, request, attempt_end, report, unreadable_note);
    if (written.is_ok() && !unreadable_note.empty()) put_unreadable_note(*sink, unreadable_note, request, attempt_end, report);

    CallOptions end_opts;
    end_opts.progress = &AttemptReporter::heartbeat;
    end_opts.progress_context = const_cast<AttemptReporter*>(&report);
    end_opts.deadline = std::min(after(Clock::now(), request.target.stall_ms), attempt_end);
    if (!written.is_ok()) {
        end_opts.stage = Stage::abort;
        (void)sink->abort(end_opts);  // best effort: the write error is the one to report
        return written;
    }
    report.stage(Stage::commit);
    end_opts.stage = Stage::commit;
    if (Status s = sink->commit(end_opts); !s.is_ok()) {
        end_opts.stage = Stage::abort;
        (void)sink->abort(end_opts);  // best effort: the commit error is the one to report
        return s.with_stage(Stage::commit);
    }
    report.done(sink->location());
    return Status::ok();
}

}  // namespace kdf::chain
