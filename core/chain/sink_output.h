// core/chain/sink_output.h - a plugin Sink seen as a format::DumpOutput, with the attempt's clocks.
//
// Every write gets a fresh CallOptions deadline: now + the stall timeout, capped by the attempt's
// total deadline, so a plugin that honours deadlines gives up exactly when the supervisor would
// kill it (the kill stays the backstop). Progress heartbeats from the plugin go to the reporter.
#pragma once

#include <cstdint>
#include <span>

#include "core/chain/attempt_report.h"
#include "core/format/dump_writer.h"
#include "kdf/transport.h"

namespace kdf::chain {

class SinkOutput : public format::DumpOutput {
public:
    // `write_at`: the sink's write hook is write_at (Description::ops), else append.
    SinkOutput(Sink& sink, bool write_at, uint64_t stall_ms, Clock::time_point attempt_end,
               const AttemptReporter& report);

    // Targets with positional_write only.
    Status write_at(uint64_t offset, std::span<const std::byte> data) override;
    // Front to back: append, or write_at a running cursor when that is the sink's hook.
    Status write_next(std::span<const std::byte> data);

private:
    CallOptions options() const;

    Sink& sink_;
    bool write_at_;
    uint64_t stall_ms_;
    Clock::time_point attempt_end_;
    const AttemptReporter& report_;
    uint64_t cursor_ = 0;
};

}  // namespace kdf::chain
