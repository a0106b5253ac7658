#include "core/chain/attempt_report.h"

#include <limits.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>

namespace kdf::chain {

void AttemptReporter::send(std::string_view line) const noexcept {
    char buf[PIPE_BUF];
    size_t n = line.size() < sizeof buf - 1 ? line.size() : sizeof buf - 1;
    for (size_t i = 0; i < n; ++i) buf[i] = (line[i] == '\n' || line[i] == '\r') ? ' ' : line[i];
    buf[n++] = '\n';
    // One write of at most PIPE_BUF bytes is atomic on a pipe.
    while (::write(fd_, buf, n) < 0 && errno == EINTR) {
    }
}

void AttemptReporter::stage(Stage s) const {
    send(std::string("stage ") + to_string(s));
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
    send(std::string("done ").append(location));
}

void AttemptReporter::fail(const Status& status) const {
    char buf[PIPE_BUF - 8];
    status.render(buf, sizeof buf);
    char line[PIPE_BUF];
    std::snprintf(line, sizeof line, "fail %s", buf);
    send(line);
}

namespace {
std::optional<uint64_t> number(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}
}  // namespace

std::optional<AttemptMessage> parse_attempt_message(std::string_view line) {
    size_t space = line.find(' ');
    std::string_view word = line.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    if (word == "stage") return AttemptMessage{AttemptMessage::Kind::stage, std::string(rest)};
    if (word == "done") return AttemptMessage{AttemptMessage::Kind::done, std::string(rest)};
    if (word == "fail") return AttemptMessage{AttemptMessage::Kind::fail, std::string(rest)};
    if (word == "beat") {
        auto n = number(rest);
        if (!n) return std::nullopt;
        return AttemptMessage{AttemptMessage::Kind::beat, {}, *n, 0};
    }
    if (word == "bytes") {
        size_t sp = rest.find(' ');
        if (sp == std::string_view::npos) return std::nullopt;
        auto done = number(rest.substr(0, sp)), total = number(rest.substr(sp + 1));
        if (!done || !total) return std::nullopt;
        return AttemptMessage{AttemptMessage::Kind::bytes, {}, *done, *total};
    }
    return std::nullopt;
}

}  // namespace kdf::chain
