// The attempt process: load, validate, open, write, commit. Everything here may be killed at any
// point; what it leaves behind is already named incomplete by the transport.
#include <algorithm>
#include <chrono>
#include <vector>

#include "core/chain/attempt.h"
#include "core/chain/attempt_report.h"
#include "core/plugin/loader.h"
#include "core/plugin/plugin_sink.h"
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
    return PreparedTarget{std::move(loaded).value(), std::move(config)};
}

// Copies the vmcore byte for byte into the sink. (The format writers replace this when the dump
// is filtered and compressed; the sink contract does not change.)
Status copy_vmcore(const vmcore::ElfVmcore& core, Sink& sink, bool positional, const TargetSpec& spec,
                   Clock::time_point attempt_end, const AttemptReporter& report) {
    constexpr size_t kChunk = 1u << 20;  // bounded memory: one chunk in flight
    std::vector<std::byte> buf(kChunk);
    const uint64_t total = core.file_size();
    CallOptions opts;
    opts.stage = Stage::write;
    opts.progress = &AttemptReporter::heartbeat;
    opts.progress_context = const_cast<AttemptReporter*>(&report);
    for (uint64_t offset = 0; offset < total;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, total - offset));
        std::span<std::byte> chunk(buf.data(), n);
        if (Status s = core.read(offset, chunk); !s.is_ok()) return s.with_stage(Stage::write).with_context("reading the vmcore");
        opts.deadline = std::min(after(Clock::now(), spec.stall_ms), attempt_end);
        Status s = positional ? sink.write_at(offset, chunk, opts) : sink.append(chunk, opts);
        if (!s.is_ok()) return s.with_stage(Stage::write);
        offset += n;
        report.bytes(offset, total);
    }
    return Status::ok();
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

    auto core = vmcore::ElfVmcore::open(request.vmcore_path);
    if (!core.is_ok()) return core.take_status().with_stage(Stage::open);

    report.stage(Stage::open);
    CallOptions open_opts;
    open_opts.stage = Stage::open;
    open_opts.deadline = std::min(after(start, request.target.connect_ms), attempt_end);
    open_opts.progress = &AttemptReporter::heartbeat;
    open_opts.progress_context = const_cast<AttemptReporter*>(&report);
    auto opened = prepared->plugin.transport->open(prepared->config, request.dump, open_opts);
    if (!opened.is_ok()) return opened.take_status().with_stage(Stage::open);
    plugin::PluginSink sink(prepared->plugin.transport, std::move(opened).value());

    report.stage(Stage::write);
    const bool positional = has_cap(prepared->plugin.describe().caps, TransportCap::positional_write);
    Status written = copy_vmcore(core.value(), *sink, positional, request.target, attempt_end, report);

    CallOptions end_opts;
    end_opts.progress = &AttemptReporter::heartbeat;
    end_opts.progress_context = const_cast<AttemptReporter*>(&report);
    end_opts.deadline = std::min(after(Clock::now(), request.target.stall_ms), attempt_end);
    if (!written.is_ok()) {
        end_opts.stage = Stage::abort;
        sink->abort(end_opts);  // best effort: the write error is the one to report
        return written;
    }
    report.stage(Stage::commit);
    end_opts.stage = Stage::commit;
    if (Status s = sink->commit(end_opts); !s.is_ok()) {
        end_opts.stage = Stage::abort;
        sink->abort(end_opts);
        return s.with_stage(Stage::commit);
    }
    report.done(sink->location());
    return Status::ok();
}

}  // namespace kdf::chain
