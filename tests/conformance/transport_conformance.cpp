// transport_conformance.cpp - the cases of the transport conformance suite.
//
// Every call gets a deadline and every case measures it: a plugin that hangs fails here instead
// of stalling the suite. Contents are compared byte for byte with what the case wrote.
#include "tests/conformance/transport_conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/config/target_validation.h"
#include "kdf/unique_fd.h"

namespace kdf::conformance {

namespace {

using namespace std::chrono_literals;

constexpr uint64_t KiB = 1024;
constexpr const char* side_name = "vmcore-dmesg.txt";
// How long a healthy call may take, and how much a call may overrun its deadline on a broken target
// (scheduling on a busy machine; a plugin that ignores its deadline overruns by far more).
constexpr auto healthy_call = 20s;
constexpr auto broken_call_deadline = 1s;
constexpr auto deadline_slack = 3s;

CallOptions within(Clock::duration d, Stage stage) {
    CallOptions o;
    o.deadline = Clock::now() + d;
    o.stage = stage;
    return o;
}

// Deterministic bytes that differ at every offset, so a chunk in the wrong place shows.
Bytes pattern(size_t size, uint32_t seed) {
    Bytes out(size);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : out) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        b = static_cast<std::byte>(x);
    }
    return out;
}

std::span<const std::byte> bytes_of(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// First differing offset of two byte strings, for failure messages ("equal" when they match).
std::string first_difference(const Bytes& got, const Bytes& want) {
    if (got == want) return "equal";
    size_t n = std::min(got.size(), want.size());
    size_t i = static_cast<size_t>(std::mismatch(got.begin(), got.begin() + static_cast<ptrdiff_t>(n), want.begin()).first -
                                   got.begin());
    return "sizes " + std::to_string(got.size()) + " and " + std::to_string(want.size()) + ", first difference at " +
           std::to_string(i);
}

// True when every 4 KiB block of `got` equals the same block of `want` or is all zeros: a dump that
// is still being written may miss blocks still in flight, but must hold nothing else.
bool blocks_written_or_missing(const Bytes& got, const Bytes& want) {
    if (got.size() > want.size()) return false;
    for (size_t at = 0; at < got.size(); at += 4 * KiB) {
        size_t n = std::min<size_t>(4 * KiB, got.size() - at);
        bool same = std::memcmp(got.data() + at, want.data() + at, n) == 0;
        bool zero = std::all_of(got.begin() + static_cast<ptrdiff_t>(at), got.begin() + static_cast<ptrdiff_t>(at + n),
                                [](std::byte b) { return b == std::byte{0}; });
        if (!same && !zero) return false;
    }
    return true;
}

// The incomplete dump once it shows on the target: data the plugin has sent may still be on its way
// (a remote command that has not created its file yet), so this waits a little for the name.
std::optional<Bytes> landed_incomplete(const ConformanceTarget& target, const DumpInfo& dump, uint64_t size) {
    const auto give_up = Clock::now() + 5s;
    for (;;) {
        auto got = target.incomplete_dump(dump, size);
        if (got || Clock::now() >= give_up) return got;
        std::this_thread::sleep_for(50ms);
    }
}

// Runs `fn` on scope exit (the target is repaired even when an assertion returns early).
template <class F>
class OnExit {
public:
    explicit OnExit(F fn) : fn_(std::move(fn)) {}
    ~OnExit() { fn_(); }
    OnExit(const OnExit&) = delete;
    OnExit& operator=(const OnExit&) = delete;

private:
    F fn_;
};

// A call on a broken target: its Status, and whether it returned within its deadline.
struct TimedCall {
    Status status;
    bool in_time = false;
};

template <class Call>
TimedCall timed(Stage stage, Call call) {
    CallOptions opts = within(broken_call_deadline, stage);
    Status s = call(opts);
    return {std::move(s), Clock::now() <= opts.deadline + deadline_slack};
}

}  // namespace

// ---- fixture ----

void TransportConformance::SetUp() {
    if (target_name_ != GetParam().name) {
        plugin_.reset();
        target_.reset();
        target_ = GetParam().make();
        target_name_ = GetParam().name;
    }
    ASSERT_TRUE(target_ && target_->ok()) << "the target did not come up: " << (target_ ? target_->why() : "");
    target_->before_case();
    if (!plugin_) {
        // As an attempt does: load and check the plugin, validate the section against its schema.
        auto loaded = plugin::load_plugin_file(target_->plugin_file());
        ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
        TargetConfig config;
        std::vector<std::string> errors = chain::validate_target(target_->target(), loaded->describe(), config);
        ASSERT_TRUE(errors.empty()) << errors.front();
        Status checked = loaded->transport->check(config);
        ASSERT_TRUE(checked.is_ok()) << checked.to_string();
        auto caps = plugin::target_capabilities(loaded.value(), config);
        ASSERT_TRUE(caps.is_ok()) << caps.status().to_string();
        target_caps_ = caps.value();
        config_ = std::move(config);
        plugin_ = std::move(loaded).value();
    }
}

void TransportConformance::TearDownTestSuite() {
    plugin_.reset();  // before the target: no plugin code may outlive its server's test
    target_.reset();
    target_name_.clear();
}

// The capabilities are what the transport reports for this target (Transport::capabilities, as
// the core asks it), less what the test withholds.
uint32_t TransportConformance::caps() const {
    return target_caps_ & ~target_->withheld_caps();
}

DumpInfo TransportConformance::dump_info() const {
    const bool positional = has(TransportCap::positional_write);
    DumpInfo d;
    d.host = "conformance";
    // Unique per run too, so the suite can run again against a target that keeps its dumps. Short
    // enough for the raw header's 63-character dump name.
    d.dir_name = "cf" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(d.dir_name.begin(), d.dir_name.end(), '/', '-');
    d.final_name = positional ? "vmcore" : "vmcore.flat";
    d.format = positional ? "kdump" : "flat";
    d.size_hint = 4 * KiB * KiB;
    d.started_unix = 1'795'000'000;
    return d;
}

Result<plugin::PluginSink> TransportConformance::open(const DumpInfo& dump) {
    auto sink = transport().open(config_, dump, within(healthy_call, Stage::open));
    if (!sink.is_ok()) return sink.take_status();
    if (!sink.value()) return Status::error(Code::system, "open() returned ok without a Sink");
    return plugin::PluginSink(plugin_->transport, std::move(sink).value());
}

Status TransportConformance::write_next(Sink& sink, uint64_t& offset, std::span<const std::byte> data,
                                        const CallOptions& opts) {
    const bool appends = (transport().describe().ops & static_cast<uint32_t>(SinkOp::append)) != 0;
    Status s = appends ? sink.append(data, opts) : sink.write_at(offset, data, opts);
    if (s.is_ok()) offset += data.size();
    return s;
}

// ---- cases ----

// Every plugin: a stream of odd-sized writes and a side file land intact, the side file beside the
// dump, and location() names the dump all along.
TEST_P(TransportConformance, FrontToBackWritesAndSideFileReadBackEqual) {
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();
    EXPECT_NE(s.location().find(target().location_names(dump, false)), std::string::npos)
        << "location() = '" << s.location() << "' does not name the incomplete dump";

    const std::string dmesg = "[    0.000000] Linux version 6.1.0 (conformance)\n[    9.000000] sysrq: Trigger a crash\n";
    Status put = s.put_file(side_name, bytes_of(dmesg), within(healthy_call, Stage::write));
    ASSERT_TRUE(put.is_ok()) << put.to_string();

    const Bytes data = pattern(1 * KiB * KiB + 12345, 1);
    uint64_t offset = 0;
    for (size_t size : {size_t{1}, size_t{4095}, size_t{65543}, size_t{300000}, data.size()}) {
        size_t n = std::min<size_t>(size, data.size() - offset);
        if (n == 0) break;
        Status w = write_next(s, offset, std::span<const std::byte>(data).subspan(offset, n), within(healthy_call, Stage::write));
        ASSERT_TRUE(w.is_ok()) << w.to_string();
    }
    ASSERT_EQ(offset, data.size());
    Status c = s.commit(within(healthy_call, Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    EXPECT_NE(s.location().find(target().location_names(dump, true)), std::string::npos)
        << "location() = '" << s.location() << "' does not name the committed dump";

    auto got = target().final_dump(dump);
    ASSERT_TRUE(got.has_value()) << "no dump under its final name " << dump.final_name;
    EXPECT_EQ(first_difference(*got, data), "equal");
    auto side = target().side_file(dump, side_name);
    ASSERT_TRUE(side.has_value()) << side_name << " is not beside the dump";
    EXPECT_EQ(first_difference(*side, Bytes(bytes_of(dmesg).begin(), bytes_of(dmesg).end())), "equal");
}

// positional_write: out of order, an overwrite and a hole. What a hole reads back as is not part of
// the contract (a file gives zeros, a raw device what it held before), only that the bytes around
// it are right and the dump's size covers it.
TEST_P(TransportConformance, PositionalWritesInAnyOrderReadBackEqual) {
    if (!has(TransportCap::positional_write)) GTEST_SKIP() << "positional_write is not declared";
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();

    const uint64_t size = 1 * KiB * KiB + 777;
    const Bytes data = pattern(size, 2), other = pattern(size, 3);
    Bytes want = data;
    std::span<const std::byte> all(data);
    auto write = [&](uint64_t at, std::span<const std::byte> bytes) {
        Status w = s.write_at(at, bytes, within(healthy_call, Stage::write));
        EXPECT_TRUE(w.is_ok()) << "write_at(" << at << ", " << bytes.size() << "): " << w.to_string();
    };
    write(512 * KiB, all.subspan(512 * KiB));                   // the tail first
    write(0, std::span<const std::byte>(other).first(8 * KiB));  // the head, wrong bytes...
    write(100, all.subspan(100, 8 * KiB - 100));                // ...mostly overwritten
    std::copy(other.begin(), other.begin() + 100, want.begin());
    write(64 * KiB, all.subspan(64 * KiB, 448 * KiB));          // [8 KiB, 64 KiB) stays a hole
    write(size - 1, all.subspan(size - 1));                     // the last byte again
    Status c = s.commit(within(healthy_call, Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();

    auto got = target().final_dump(dump);
    ASSERT_TRUE(got.has_value()) << "no dump under its final name " << dump.final_name;
    ASSERT_EQ(got->size(), want.size());
    std::copy(got->begin() + 8 * KiB, got->begin() + 64 * KiB, want.begin() + 8 * KiB);  // the hole
    EXPECT_EQ(first_difference(*got, want), "equal");
}

// A target whose Sink has write_at but no positional_write (ssh mode = stream reports none; or the
// test withholds it) refuses out-of-order writes with an error, never by writing the bytes
// somewhere else.
TEST_P(TransportConformance, WithheldPositionalWritesAreRefused) {
    if (has(TransportCap::positional_write) || (transport().describe().ops & static_cast<uint32_t>(SinkOp::write_at)) == 0)
        GTEST_SKIP() << "this target writes in place, or its Sink has no write_at";
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();
    const Bytes data = pattern(64 * KiB, 4);
    Status gap = s.write_at(4096, data, within(healthy_call, Stage::write));
    EXPECT_FALSE(gap.is_ok()) << "a write at 4096 before any data was accepted";
    uint64_t offset = 0;
    Status first = write_next(s, offset, data, within(healthy_call, Stage::write));
    if (first.is_ok()) {
        Status rewrite = s.write_at(0, data, within(healthy_call, Stage::write));
        EXPECT_FALSE(rewrite.is_ok()) << "a rewrite of offset 0 was accepted";
    }
    (void)s.abort(within(healthy_call, Stage::abort));
    EXPECT_FALSE(target().final_dump(dump).has_value());
}

// atomic_commit: nothing under the final name until commit() returns ok; meanwhile the incomplete
// name holds what was written.
TEST_P(TransportConformance, NothingUnderTheFinalNameBeforeCommit) {
    if (!has(TransportCap::atomic_commit)) GTEST_SKIP() << "atomic_commit is not declared";
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "a dump is under its final name right after open()";

    const Bytes data = pattern(512 * KiB, 5);
    uint64_t offset = 0;
    Status w = write_next(s, offset, data, within(healthy_call, Stage::write));
    ASSERT_TRUE(w.is_ok()) << w.to_string();
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "a dump is under its final name before commit()";
    auto partial = landed_incomplete(target(), dump, data.size());
    ASSERT_TRUE(partial.has_value()) << "no incomplete dump while it is written";
    EXPECT_TRUE(blocks_written_or_missing(*partial, data)) << "the incomplete dump holds bytes that were not written";

    Status c = s.commit(within(healthy_call, Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    auto got = target().final_dump(dump);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(first_difference(*got, data), "equal");
}

// atomic_commit: abort() keeps what was written under the incomplete name and never renames it.
TEST_P(TransportConformance, AbortLeavesTheDumpIncomplete) {
    if (!has(TransportCap::atomic_commit)) GTEST_SKIP() << "atomic_commit is not declared";
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const Bytes data = pattern(256 * KiB + 3, 6);
    uint64_t offset = 0;
    Status w = write_next(*sink.value(), offset, data, within(healthy_call, Stage::write));
    ASSERT_TRUE(w.is_ok()) << w.to_string();
    Status a = sink.value()->abort(within(healthy_call, Stage::abort));
    EXPECT_TRUE(a.is_ok()) << a.to_string();
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "abort() gave the dump its final name";
    auto left = target().incomplete_dump(dump, data.size());
    ASSERT_TRUE(left.has_value()) << "abort() removed the incomplete dump";
    EXPECT_EQ(first_difference(*left, data), "equal");
    (void)sink.value()->commit(within(healthy_call, Stage::commit));
    sink = Status::error(Code::system, "dropped");  // destroying the Sink must not rename it either
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "a commit() after abort() gave the dump its final name";
}

// atomic_commit: a writer killed mid-dump (the supervisor's SIGKILL) leaves nothing under the
// final name.
TEST_P(TransportConformance, KilledWriterLeavesNoFinalName) {
    if (!has(TransportCap::atomic_commit)) GTEST_SKIP() << "atomic_commit is not declared";
    const DumpInfo dump = dump_info();
    const Bytes data = pattern(768 * KiB, 7);
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    UniqueFd ready(fds[0]), tell(fds[1]);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
        // The writer: open, write, say so, wait to be killed. Never returns into the test.
        auto sink = open(dump);
        if (!sink.is_ok()) ::_exit(2);
        uint64_t offset = 0;
        if (!write_next(*sink.value(), offset, data, within(healthy_call, Stage::write)).is_ok()) ::_exit(3);
        char c = 1;
        if (::write(tell.get(), &c, 1) != 1) ::_exit(4);
        for (;;) ::pause();
    }
    tell.reset();
    pollfd p{ready.get(), POLLIN, 0};
    char c = 0;
    bool wrote = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(healthy_call).count())) == 1 &&
                 ::read(ready.get(), &c, 1) == 1;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(wrote) << "the writer did not write (exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << ")";
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "a killed writer left a dump under its final name";
    auto left = landed_incomplete(target(), dump, data.size());
    ASSERT_TRUE(left.has_value()) << "a killed writer left no incomplete dump";
    EXPECT_TRUE(blocks_written_or_missing(*left, data)) << "the incomplete dump holds bytes that were not written";
}

// durable_sync: when commit() returns ok the dump is complete on the target, at its final size.
TEST_P(TransportConformance, CommitReturnsWithTheDumpFinal) {
    if (!has(TransportCap::durable_sync)) GTEST_SKIP() << "durable_sync is not declared";
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const Bytes data = pattern(2 * KiB * KiB + 5, 8);
    uint64_t offset = 0;
    for (size_t at = 0; at < data.size(); at += 256 * KiB) {
        size_t n = std::min<size_t>(256 * KiB, data.size() - at);
        Status w = write_next(*sink.value(), offset, std::span<const std::byte>(data).subspan(at, n),
                              within(healthy_call, Stage::write));
        ASSERT_TRUE(w.is_ok()) << w.to_string();
    }
    Status c = sink.value()->commit(within(healthy_call, Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    auto got = target().final_dump(dump);  // read at once: nothing may still be on its way
    ASSERT_TRUE(got.has_value()) << "no dump under its final name right after commit()";
    EXPECT_EQ(got->size(), data.size());
    EXPECT_EQ(first_difference(*got, data), "equal");
}

// Every plugin: after commit() and after abort(), writes, side files and commits are refused with
// an error; a second abort() is harmless.
TEST_P(TransportConformance, CallsAfterCommitOrAbortFail) {
    const Bytes data = pattern(64 * KiB, 9);
    for (bool committed : {true, false}) {
        SCOPED_TRACE(committed ? "after commit()" : "after abort()");
        DumpInfo dump = dump_info();
        dump.dir_name += committed ? "-committed" : "-aborted";
        auto sink = open(dump);
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        Sink& s = *sink.value();
        uint64_t offset = 0;
        ASSERT_TRUE(write_next(s, offset, data, within(healthy_call, Stage::write)).is_ok());
        Status end = committed ? s.commit(within(healthy_call, Stage::commit)) : s.abort(within(healthy_call, Stage::abort));
        ASSERT_TRUE(end.is_ok()) << end.to_string();
        EXPECT_FALSE(write_next(s, offset, data, within(healthy_call, Stage::write)).is_ok());
        EXPECT_FALSE(s.put_file("late.txt", bytes_of("late"), within(healthy_call, Stage::write)).is_ok());
        EXPECT_FALSE(s.commit(within(healthy_call, Stage::commit)).is_ok());
        (void)s.abort(within(healthy_call, Stage::abort));
        EXPECT_FALSE(s.location().empty());
        if (committed) {
            auto got = target().final_dump(dump);
            ASSERT_TRUE(got.has_value());
            EXPECT_EQ(first_difference(*got, data), "equal") << "a call after commit() changed the dump";
        }
    }
}

// Every plugin, where the target can be broken under an open Sink (server frozen, directory
// removed): each call returns within its deadline, commit() fails, and once one call has failed so
// does every later one; abort() still returns, and no dump appears under its final name.
TEST_P(TransportConformance, CallsOnABrokenTargetFailWithinTheirDeadlines) {
    const DumpInfo dump = dump_info();
    auto sink = open(dump);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();
    const Bytes data = pattern(256 * KiB, 10);
    uint64_t offset = 0;
    ASSERT_TRUE(write_next(s, offset, data, within(healthy_call, Stage::write)).is_ok());

    if (!target().break_target(dump)) GTEST_SKIP() << "this target cannot be broken under an open Sink";
    OnExit repair([this] { target().repair_target(); });  // declared after the Sink: runs before it is destroyed

    std::vector<std::pair<std::string, TimedCall>> calls;
    auto call = [&](std::string what, TimedCall r) { calls.emplace_back(std::move(what), std::move(r)); };
    for (int i = 0; i < 8 && (calls.empty() || calls.back().second.status.is_ok()); ++i)
        call("write", timed(Stage::write, [&](const CallOptions& o) { return write_next(s, offset, data, o); }));
    call("put_file", timed(Stage::write, [&](const CallOptions& o) { return s.put_file("late.txt", bytes_of("late"), o); }));
    call("commit", timed(Stage::commit, [&](const CallOptions& o) { return s.commit(o); }));
    call("write after commit", timed(Stage::write, [&](const CallOptions& o) { return write_next(s, offset, data, o); }));
    call("commit again", timed(Stage::commit, [&](const CallOptions& o) { return s.commit(o); }));
    TimedCall aborted = timed(Stage::abort, [&](const CallOptions& o) { return s.abort(o); });

    bool failed = false;
    for (const auto& [what, r] : calls) {
        EXPECT_TRUE(r.in_time) << what << " overran its deadline: " << r.status.to_string();
        if (what == "commit") {
            EXPECT_FALSE(r.status.is_ok()) << "commit() succeeded on a broken target";
        }
        if (failed) {
            EXPECT_FALSE(r.status.is_ok()) << what << " succeeded after an earlier call failed";
        }
        failed = failed || !r.status.is_ok();
    }
    EXPECT_TRUE(aborted.in_time) << "abort() overran its deadline: " << aborted.status.to_string();
    target().repair_target();
    EXPECT_FALSE(target().final_dump(dump).has_value()) << "a dump from a broken target got its final name";
}

}  // namespace kdf::conformance
