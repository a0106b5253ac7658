#include <gtest/gtest.h>
#include <unistd.h>

#include "core/chain/attempt_report.h"

namespace {

using kdf::chain::AttemptMessage;
using kdf::chain::parse_attempt_message;

TEST(AttemptReport, RoundTripsEveryMessageThroughAPipe) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    kdf::chain::AttemptReporter r(fds[1]);
    r.stage(kdf::Stage::write);
    r.bytes(1048576, 8388608);
    r.beat(42);
    r.done("/var/crash/h-2026-11-23-10:00:00/vmcore");
    r.fail(kdf::Status::error(kdf::Code::no_space, "local: write\nvmcore").with_target("a").with_stage(kdf::Stage::write));
    ::close(fds[1]);
    std::string all;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);

    std::vector<AttemptMessage> msgs;
    for (size_t pos = 0, nl; (nl = all.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        auto m = parse_attempt_message(std::string_view(all).substr(pos, nl - pos));
        ASSERT_TRUE(m.has_value());
        msgs.push_back(*m);
    }
    ASSERT_EQ(msgs.size(), 5u);
    EXPECT_EQ(msgs[0].kind, AttemptMessage::Kind::stage);
    EXPECT_EQ(msgs[0].text, "write");
    EXPECT_EQ(msgs[1].done, 1048576u);
    EXPECT_EQ(msgs[1].total, 8388608u);
    EXPECT_EQ(msgs[2].kind, AttemptMessage::Kind::beat);
    EXPECT_EQ(msgs[3].text, "/var/crash/h-2026-11-23-10:00:00/vmcore");
    EXPECT_EQ(msgs[4].text, "target 'a' [write]: local: write vmcore");  // newlines flattened: one line
}

TEST(AttemptReport, RejectsMalformedLines) {
    EXPECT_FALSE(parse_attempt_message("bytes 12").has_value());
    EXPECT_FALSE(parse_attempt_message("bytes x 12").has_value());
    EXPECT_FALSE(parse_attempt_message("beat -1").has_value());
    EXPECT_FALSE(parse_attempt_message("hello world").has_value());
}

}  // namespace
