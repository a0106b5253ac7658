#include "core/chain/sink_output.h"

#include <algorithm>

namespace kdf::chain {

SinkOutput::SinkOutput(Sink& sink, bool write_at, uint64_t stall_ms, Clock::time_point attempt_end,
                       const AttemptReporter& report)
    : sink_(sink), write_at_(write_at), stall_ms_(stall_ms), attempt_end_(attempt_end), report_(report) {}

CallOptions SinkOutput::options() const {
    CallOptions o;
    o.stage = Stage::write;
    o.deadline = stall_ms_ ? std::min(Clock::now() + std::chrono::milliseconds(stall_ms_), attempt_end_) : attempt_end_;
    o.progress = &AttemptReporter::heartbeat;
    o.progress_context = const_cast<AttemptReporter*>(&report_);
    return o;
}

Status SinkOutput::write_at(uint64_t offset, std::span<const std::byte> data) {
    Status s = sink_.write_at(offset, data, options());
    return s.is_ok() ? s : s.with_stage(Stage::write);
}

Status SinkOutput::write_next(std::span<const std::byte> data) {
    Status s = write_at_ ? sink_.write_at(cursor_, data, options()) : sink_.append(data, options());
    if (!s.is_ok()) return s.with_stage(Stage::write);
    cursor_ += data.size();
    return s;
}

}  // namespace kdf::chain
