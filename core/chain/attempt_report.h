// core/chain/attempt_report.h - what an attempt process tells the supervisor, over a pipe.
//
// One text line per message, each shorter than PIPE_BUF so concurrent writers (a plugin's own
// threads calling the progress heartbeat) never interleave:
//   stage <name>          the attempt entered a stage (load, config, probe, open, write, commit, ...)
//   bytes <done> <total>  dump bytes accepted by the sink so far
//   beat <n>              the plugin reported progress inside a long call (CallOptions::progress)
//   note <text>           something for the progress line: what `compress = auto` chose and why
//   done <text>           committed; where the dump is (a probe: what it found)
//   fail <code> <stage> <errno> <retryable> <message>
//                         the attempt failed: the Status as data, e.g.
//                         "fail no_space write 28 0 local: write vmcore-incomplete"
//                         code and stage are kdf::to_string() names ("-" for no stage), errno is
//                         decimal, retryable is 0 or 1.
// Free text (done's and note's text, fail's message) is escaped: '%', control characters and DEL travel as
// %XX, so a message can never split a line. A message too long for one line is cut at a character
// boundary and ends in "..."; the line is never split.
// The supervisor parses strictly: an unknown word, a bad number or escape, an unknown code or stage
// is an error with a reason, never a guess. The target's name is not sent: the supervisor knows it.
// Text, not binary: a stuck attempt can be diagnosed with strace, and the format is easy to extend.
#pragma once

#include <cstdint>
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
    void note(std::string_view text) const;
    void fail(const Status& status) const;

    // For CallOptions::progress: `context` is an AttemptReporter*.
    static void heartbeat(void* context, uint64_t bytes) noexcept;

private:
    void send(std::string_view line) const noexcept;
    int fd_;
};

// The longest line (without its newline) the encoder writes.
inline constexpr size_t kMaxReportLine = 4095;  // PIPE_BUF - 1 on Linux; the newline makes 4096

// "done <escaped text>" and "fail ..." as sent (no newline), at most kMaxReportLine bytes.
std::string encode_done(std::string_view text);
std::string encode_note(std::string_view text);
std::string encode_fail(const Status& status);

struct AttemptMessage {
    enum class Kind { stage, bytes, beat, done, fail, note } kind = Kind::beat;
    Stage stage = Stage::none;  // stage
    std::string text;           // done: the location or probe summary; note: the text
    uint64_t done = 0;          // bytes; beat: the count
    uint64_t total = 0;         // bytes
    Status status;              // fail: the child's Status (no target)
};

// Parses one line (without the newline). A line that is not exactly a message is an error whose
// message says what is wrong with it (Code::corrupt).
Result<AttemptMessage> parse_attempt_message(std::string_view line);

}  // namespace kdf::chain
