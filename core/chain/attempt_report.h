// core/chain/attempt_report.h - what an attempt process tells the supervisor, over a pipe.
//
// One text line per message, each shorter than PIPE_BUF so concurrent writers (a plugin's own
// threads calling the progress heartbeat) never interleave:
//   stage <name>          the attempt entered a stage (load, config, connect/open, write, commit)
//   bytes <done> <total>  dump bytes accepted by the sink so far
//   beat <n>              the plugin reported progress inside a long call (CallOptions::progress)
//   done <location>       committed; where the dump is
//   fail <one line>       the attempt failed; the rendered Status
// Text, not binary: a stuck attempt can be diagnosed with strace, and the format is trivial to extend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kdf/status.h"

namespace kdf::chain {

// The child's end. Writes are best effort: if the supervisor is gone there is nobody to tell.
class AttemptReporter {
public:
    explicit AttemptReporter(int fd) : fd_(fd) {}
    void stage(Stage s) const;
    void bytes(uint64_t done, uint64_t total) const;
    void beat(uint64_t n) const;
    void done(std::string_view location) const;
    void fail(const Status& status) const;

    // For CallOptions::progress: `context` is an AttemptReporter*.
    static void heartbeat(void* context, uint64_t bytes) noexcept;

private:
    void send(std::string_view line) const noexcept;
    int fd_;
};

struct AttemptMessage {
    enum class Kind { stage, bytes, beat, done, fail } kind;
    std::string text;     // stage name, location or error line
    uint64_t done = 0;    // bytes
    uint64_t total = 0;
};

// Parses one line (without the newline); nullopt for a line that is not a message.
std::optional<AttemptMessage> parse_attempt_message(std::string_view line);

}  // namespace kdf::chain
