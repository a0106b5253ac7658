#include "core/chain/attempt_report.h"

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <cstdio>
#include <vector>

namespace kdf::chain {

static_assert(kMaxReportLine + 1 <= PIPE_BUF, "a report line and its newline must fit one atomic pipe write");

namespace {

constexpr std::string_view kNoStage = "-";
constexpr std::string_view kCut = "...";

bool needs_escape(unsigned char c) { return c == '%' || c < 0x20 || c == 0x7f; }

// `text` escaped, at most `budget` bytes. Cut short, it ends in "..." and never splits an escape or
// a UTF-8 sequence.
std::string escape(std::string_view text, size_t budget) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::vector<size_t> out_before;  // out.size() before raw byte i
    out.reserve(std::min(text.size() * 3, budget));
    size_t i = 0;
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const size_t unit = needs_escape(c) ? 3 : 1;
        if (out.size() + unit > budget) break;
        out_before.push_back(out.size());
        if (unit == 3) {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (i == text.size()) return out;
    // Make room for the marker, then back off to the start of a character. len(k): the escaped size
    // of the first k bytes of text.
    auto len = [&](size_t k) { return k == i ? out.size() : out_before[k]; };
    size_t keep = i;
    while (keep > 0 && len(keep) + kCut.size() > budget) --keep;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    out.resize(len(keep));
    out += kCut;
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

Result<std::string> unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) return Status::error(Code::corrupt, "a raw control character in the text");
        if (c != '%') {
            out += static_cast<char>(c);
            continue;
        }
        const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
        if (lo < 0) return Status::error(Code::corrupt, "a '%' not followed by two hex digits");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

std::string_view stage_name(Stage s) { return s == Stage::none ? kNoStage : std::string_view(to_string(s)); }

std::optional<Stage> stage_from_name(std::string_view name) {
    if (name == kNoStage) return Stage::none;
    for (Stage s : {Stage::config, Stage::load, Stage::probe, Stage::connect, Stage::auth, Stage::open, Stage::write,
                    Stage::commit, Stage::abort})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

std::optional<Code> code_from_name(std::string_view name) {
    for (Code c : {Code::system, Code::timeout, Code::auth, Code::not_found, Code::no_space, Code::corrupt,
                   Code::not_supported, Code::invalid_config})
        if (name == to_string(c)) return c;
    return std::nullopt;  // "ok" included: a failure cannot be ok
}

std::optional<uint64_t> number(std::string_view s) {
    uint64_t v = 0;
    if (s.empty() || s.front() == '+') return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// Splits off the word before the next space; nullopt when there is no space.
std::optional<std::string_view> next_word(std::string_view& rest) {
    const size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    std::string_view word = rest.substr(0, sp);
    rest.remove_prefix(sp + 1);
    return word;
}

Status garbled(std::string_view line, std::string_view why) {
    constexpr size_t kShown = 80;
    std::string shown = escape(line, kShown);
    return Status::error(Code::corrupt, "garbled attempt report line '" + shown + "': " + std::string(why));
}

Result<AttemptMessage> parse_fail(std::string_view line, std::string_view rest) {
    auto code_word = next_word(rest), stage_word = next_word(rest), errno_word = next_word(rest),
         retry_word = next_word(rest);
    if (!retry_word) return garbled(line, "fail needs: code stage errno retryable message");
    auto code = code_from_name(*code_word);
    if (!code) return garbled(line, "unknown status code '" + std::string(*code_word) + "'");
    auto stage = stage_from_name(*stage_word);
    if (!stage) return garbled(line, "unknown stage '" + std::string(*stage_word) + "'");
    auto err = number(*errno_word);
    if (!err || *err > 4095) return garbled(line, "errno is not a number from 0 to 4095");
    if (*retry_word != "0" && *retry_word != "1") return garbled(line, "retryable is not 0 or 1");
    auto message = unescape(rest);
    if (!message.is_ok()) return garbled(line, message.status().message());
    AttemptMessage m;
    m.kind = AttemptMessage::Kind::fail;
    m.status = Status::error(*code, message.value())
                   .with_stage(*stage)
                   .with_errno(static_cast<int>(*err))
                   .with_retryable(*retry_word == "1");
    return m;
}

}  // namespace

void AttemptReporter::send(std::string_view line) const noexcept {
    char buf[kMaxReportLine + 1];
    const size_t n = std::min(line.size(), kMaxReportLine);  // the encoders stay below; this is a guard
    for (size_t i = 0; i < n; ++i) buf[i] = (line[i] == '\n' || line[i] == '\r') ? ' ' : line[i];
    buf[n] = '\n';
    // One write of at most PIPE_BUF bytes is atomic on a pipe.
    while (::write(fd_, buf, n + 1) < 0 && errno == EINTR) {
    }
}

void AttemptReporter::stage(Stage s) const {
    send(std::string("stage ").append(stage_name(s)));
}

void AttemptReporter::bytes(uint64_t done, uint64_t total) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "bytes %llu %llu", static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(total));
    send(buf);
}

void AttemptReporter::beat(uint64_t n) const {
    char buf[48];
    std::snprintf(buf, sizeof buf, "beat %llu", static_cast<unsigned long long>(n));
    send(buf);
}

void AttemptReporter::heartbeat(void* context, uint64_t bytes) noexcept {
    static_cast<const AttemptReporter*>(context)->beat(bytes);
}

void AttemptReporter::done(std::string_view location) const {
    try {
        send(encode_done(location));
    } catch (...) {
        send("done ...");  // out of memory: the supervisor still learns that the attempt succeeded
    }
}

void AttemptReporter::fail(const Status& status) const {
    try {
        send(encode_fail(status));
    } catch (...) {
        // Out of memory: the fields alone, errno clamped as encode_fail() clamps it.
        const int err = status.sys_errno() >= 0 && status.sys_errno() <= 4095 ? status.sys_errno() : 0;
        const std::string_view stage = stage_name(status.stage());
        char line[64];
        std::snprintf(line, sizeof line, "fail %s %.*s %d %d ...", to_string(status.code()), static_cast<int>(stage.size()),
                      stage.data(), err, status.retryable() ? 1 : 0);
        send(line);
    }
}

void AttemptReporter::note(std::string_view text) const {
    try {
        send(encode_note(text));
    } catch (...) {
        // Out of memory: a note is only information; the dump goes on without it.
    }
}

std::string encode_note(std::string_view text) {
    std::string line = "note ";
    return line + escape(text, kMaxReportLine - line.size());
}

std::string encode_done(std::string_view text) {
    std::string line = "done ";
    return line + escape(text, kMaxReportLine - line.size());
}

std::string encode_fail(const Status& status) {
    char head[96];
    const Code code = status.is_ok() ? Code::system : status.code();  // a failure is never reported as ok
    const int err = status.sys_errno() >= 0 && status.sys_errno() <= 4095 ? status.sys_errno() : 0;
    std::snprintf(head, sizeof head, "fail %s %s %d %d ", to_string(code), std::string(stage_name(status.stage())).c_str(),
                  err, status.retryable() ? 1 : 0);
    std::string line = head;
    return line + escape(status.message(), kMaxReportLine - line.size());
}

Result<AttemptMessage> parse_attempt_message(std::string_view line) {
    std::string_view rest = line;
    auto word = next_word(rest);
    if (!word) return garbled(line, "no space after the message word");
    AttemptMessage m;
    if (*word == "stage") {
        auto s = stage_from_name(rest);
        if (!s || *s == Stage::none) return garbled(line, "unknown stage");
        m.kind = AttemptMessage::Kind::stage;
        m.stage = *s;
        return m;
    }
    if (*word == "done") {
        auto text = unescape(rest);
        if (!text.is_ok()) return garbled(line, text.status().message());
        m.kind = AttemptMessage::Kind::done;
        m.text = std::move(text).value();
        return m;
    }
    if (*word == "note") {
        auto text = unescape(rest);
        if (!text.is_ok()) return garbled(line, text.status().message());
        m.kind = AttemptMessage::Kind::note;
        m.text = std::move(text).value();
        return m;
    }
    if (*word == "fail") return parse_fail(line, rest);
    if (*word == "beat") {
        auto n = number(rest);
        if (!n) return garbled(line, "beat needs one number");
        m.kind = AttemptMessage::Kind::beat;
        m.done = *n;
        return m;
    }
    if (*word == "bytes") {
        auto first = next_word(rest);
        auto done = first ? number(*first) : std::nullopt, total = number(rest);
        if (!done || !total) return garbled(line, "bytes needs two numbers");
        m.kind = AttemptMessage::Kind::bytes;
        m.done = *done;
        m.total = *total;
        return m;
    }
    return garbled(line, "unknown message '" + std::string(*word) + "'");
}

}  // namespace kdf::chain
