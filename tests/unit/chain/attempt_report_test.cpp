// The attempt pipe: every message survives a real pipe, a failure crosses as data (code, stage,
// errno, retryable, message), and hostile or garbled lines are refused with a reason.
#include <gtest/gtest.h>
#include <limits.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/chain/attempt_report.h"

namespace {

using kdf::chain::AttemptMessage;
using kdf::chain::encode_done;
using kdf::chain::encode_fail;
using kdf::chain::kMaxReportLine;
using kdf::chain::parse_attempt_message;

// Sends what `send` writes through a real pipe and parses every line the reader sees.
template <class Send>
std::vector<AttemptMessage> through_a_pipe(Send send, std::string* raw = nullptr) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    send(kdf::chain::AttemptReporter(fds[1]));
    ::close(fds[1]);
    std::string all;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    if (raw) *raw = all;
    std::vector<AttemptMessage> msgs;
    for (size_t pos = 0, nl; (nl = all.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        auto m = parse_attempt_message(std::string_view(all).substr(pos, nl - pos));
        EXPECT_TRUE(m.is_ok()) << m.status().to_string();
        if (m.is_ok()) msgs.push_back(std::move(m).value());
    }
    return msgs;
}

kdf::Status decode_fail(const kdf::Status& sent) {
    auto m = parse_attempt_message(encode_fail(sent));
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    if (!m.is_ok()) return m.take_status();
    EXPECT_EQ(m->kind, AttemptMessage::Kind::fail);
    return m->status;
}

TEST(AttemptReport, RoundTripsEveryMessageThroughAPipe) {
    auto msgs = through_a_pipe([](const kdf::chain::AttemptReporter& r) {
        r.stage(kdf::Stage::write);
        r.bytes(1048576, 8388608);
        r.beat(42);
        r.done("/var/crash/h-2026-11-23-10:00:00/vmcore");
        r.fail(kdf::Status::from_errno(ENOSPC, "local: write\nvmcore").with_stage(kdf::Stage::write));
    });
    ASSERT_EQ(msgs.size(), 5u);
    EXPECT_EQ(msgs[0].kind, AttemptMessage::Kind::stage);
    EXPECT_EQ(msgs[0].stage, kdf::Stage::write);
    EXPECT_EQ(msgs[1].done, 1048576u);
    EXPECT_EQ(msgs[1].total, 8388608u);
    EXPECT_EQ(msgs[2].kind, AttemptMessage::Kind::beat);
    EXPECT_EQ(msgs[2].done, 42u);
    EXPECT_EQ(msgs[3].text, "/var/crash/h-2026-11-23-10:00:00/vmcore");
    const kdf::Status& s = msgs[4].status;
    EXPECT_EQ(s.code(), kdf::Code::no_space);
    EXPECT_EQ(s.stage(), kdf::Stage::write);
    EXPECT_EQ(s.sys_errno(), ENOSPC);
    EXPECT_FALSE(s.retryable());
    EXPECT_EQ(s.message(), "local: write\nvmcore");  // escaped on the wire, exact after decoding
}

TEST(AttemptReport, AFailureCrossesAsDataWithEveryField) {
    kdf::Status sent = kdf::Status::error(kdf::Code::timeout, "nfs: mount 10.0.0.5:/dumps timed out")
                           .with_stage(kdf::Stage::connect)
                           .with_errno(ETIMEDOUT)
                           .with_retryable(true);
    EXPECT_EQ(encode_fail(sent), "fail timeout connect 110 1 nfs: mount 10.0.0.5:/dumps timed out");
    kdf::Status got = decode_fail(sent);
    EXPECT_EQ(got.code(), kdf::Code::timeout);
    EXPECT_EQ(got.stage(), kdf::Stage::connect);
    EXPECT_EQ(got.sys_errno(), ETIMEDOUT);
    EXPECT_TRUE(got.retryable());
    EXPECT_EQ(got.message(), sent.message());
    EXPECT_EQ(got.target(), "");  // the supervisor adds it
}

TEST(AttemptReport, EveryCodeAndStageRoundTrips) {
    for (kdf::Code c : {kdf::Code::system, kdf::Code::timeout, kdf::Code::auth, kdf::Code::not_found, kdf::Code::no_space,
                        kdf::Code::corrupt, kdf::Code::not_supported, kdf::Code::invalid_config})
        for (kdf::Stage st : {kdf::Stage::none, kdf::Stage::config, kdf::Stage::load, kdf::Stage::probe, kdf::Stage::connect,
                              kdf::Stage::auth, kdf::Stage::open, kdf::Stage::write, kdf::Stage::commit, kdf::Stage::abort}) {
            kdf::Status got = decode_fail(kdf::Status::error(c, "m").with_stage(st));
            EXPECT_EQ(got.code(), c) << kdf::to_string(c);
            EXPECT_EQ(got.stage(), st) << kdf::to_string(st);
        }
}

TEST(AttemptReport, HostileTextIsEscapedAndComesBackExactly) {
    std::string hostile = "100% sure\r\nfail system - 0 0 forged\n\x01\x7f%41 end";
    hostile += std::string("\0tail", 5);
    std::string line = encode_fail(kdf::Status::error(kdf::Code::corrupt, hostile));
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.find('\r'), std::string::npos);
    EXPECT_EQ(line.find('\0'), std::string::npos);
    EXPECT_EQ(decode_fail(kdf::Status::error(kdf::Code::corrupt, hostile)).message(), hostile);
    auto done = parse_attempt_message(encode_done("/dumps/odd\nname%"));
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    EXPECT_EQ(done->text, "/dumps/odd\nname%");
}

TEST(AttemptReport, ALongMessageIsCutToOneLineNeverSplit) {
    // 3000 '%' escape to 9000 bytes; é is two bytes that must not be cut apart.
    std::string huge(3000, '%');
    std::string accents;
    for (int i = 0; i < 3000; ++i) accents += "\xc3\xa9";
    for (const std::string& text : {huge, accents, std::string(10000, 'x')}) {
        std::string raw;
        auto msgs = through_a_pipe([&](const kdf::chain::AttemptReporter& r) {
            r.fail(kdf::Status::error(kdf::Code::system, text).with_stage(kdf::Stage::write));
        }, &raw);
        EXPECT_LE(raw.size(), static_cast<size_t>(PIPE_BUF));
        EXPECT_EQ(raw.find('\n'), raw.size() - 1);  // exactly one line
        ASSERT_EQ(msgs.size(), 1u);
        const std::string& got = msgs[0].status.message();
        ASSERT_GE(got.size(), 3u);
        EXPECT_EQ(got.substr(got.size() - 3), "...");
        const std::string kept = got.substr(0, got.size() - 3);
        EXPECT_EQ(text.compare(0, kept.size(), kept), 0) << "the kept part is a prefix of the message";
        EXPECT_NE(static_cast<unsigned char>(text[kept.size()]) & 0xC0, 0x80) << "cut inside a UTF-8 character";
    }
    EXPECT_LE(encode_done(std::string(9000, '\n')).size(), kMaxReportLine);
}

// compress = auto's note: free text, escaped like done's, parsed back exactly.
TEST(AttemptReport, ANoteRoundTrips) {
    auto note = parse_attempt_message(kdf::chain::encode_note("codec zstd-3, link-bound (sink drains 9.8 MB/s)\n%"));
    ASSERT_TRUE(note.is_ok()) << note.status().to_string();
    EXPECT_EQ(note->kind, AttemptMessage::Kind::note);
    EXPECT_EQ(note->text, "codec zstd-3, link-bound (sink drains 9.8 MB/s)\n%");
}

TEST(AttemptReport, RefusesGarbledLinesWithAReason) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"bytes 12", "bytes needs two numbers"},
        {"bytes x 12", "bytes needs two numbers"},
        {"bytes 1 2 3", "bytes needs two numbers"},
        {"beat -1", "beat needs one number"},
        {"beat +1", "beat needs one number"},
        {"beat 99999999999999999999999", "beat needs one number"},
        {"hello world", "unknown message 'hello'"},
        {"stage", "no space after the message word"},
        {"stage warp", "unknown stage"},
        {"stage -", "unknown stage"},
        {"fail system write 5", "fail needs: code stage errno retryable message"},
        {"fail ok write 0 0 m", "unknown status code 'ok'"},
        {"fail nonsense write 0 0 m", "unknown status code 'nonsense'"},
        {"fail system warp 0 0 m", "unknown stage 'warp'"},
        {"fail system write 4096 0 m", "errno is not a number from 0 to 4095"},
        {"fail system write -1 0 m", "errno is not a number from 0 to 4095"},
        {"fail system write 5 2 m", "retryable is not 0 or 1"},
        {"fail system write 5 1 100%", "a '%' not followed by two hex digits"},
        {"fail system write 5 1 %G0", "a '%' not followed by two hex digits"},
        {"fail system write 5 1 tab\there", "a raw control character in the text"},
        {"done %4", "a '%' not followed by two hex digits"},
        {std::string("done a\0b", 8), "a raw control character in the text"},
    };
    for (const auto& [line, why] : bad) {
        auto m = parse_attempt_message(line);
        ASSERT_FALSE(m.is_ok()) << line;
        EXPECT_EQ(m.status().code(), kdf::Code::corrupt) << line;
        EXPECT_NE(m.status().message().find("garbled attempt report line"), std::string::npos) << m.status().message();
        EXPECT_NE(m.status().message().find(why), std::string::npos) << line << " -> " << m.status().message();
    }
}

TEST(AttemptReport, AnEmptyMessageIsAllowed) {
    auto m = parse_attempt_message("fail auth auth 0 0 ");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    EXPECT_EQ(m->status.code(), kdf::Code::auth);
    EXPECT_EQ(m->status.message(), "");
}

}  // namespace
