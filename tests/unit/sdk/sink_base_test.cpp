// SinkBase's call rules, on a sink that writes a real file (file_sink.h): what each state allows,
// exceptions from hooks, stage labels, side-file names and the abort on destruction.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "file_sink.h"
#include "tests/support/temp_dir.h"

namespace kdf::test {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The options the core passes: a stage of its own, or none.
CallOptions with_stage(Stage s) {
    CallOptions o;
    o.stage = s;
    return o;
}
const CallOptions no_stage;

class SinkBaseTest : public ::testing::Test {
protected:
    TempDir dir{"kdf-sinkbase"};
    Calls calls;
    std::string incomplete() const { return dir / "vmcore-incomplete"; }
    std::string complete() const { return dir / "vmcore"; }
};

TEST_F(SinkBaseTest, AWholeDumpEndsUnderItsFinalName) {
    FileSink sink(dir.path(), "vmcore", calls);
    EXPECT_EQ(sink.location(), incomplete());
    ASSERT_TRUE(sink.put_file("vmcore-dmesg.txt", bytes("log"), no_stage).is_ok());
    ASSERT_TRUE(sink.write_at(4, bytes("5678"), no_stage).is_ok());
    ASSERT_TRUE(sink.write_at(0, bytes("1234"), no_stage).is_ok());
    ASSERT_TRUE(sink.commit(no_stage).is_ok());
    EXPECT_EQ(sink.location(), complete());
    EXPECT_EQ(read_file(complete()), "12345678");
    EXPECT_EQ(read_file(dir / "vmcore-dmesg.txt"), "log");
    EXPECT_FALSE(fs::exists(incomplete()));
}

TEST_F(SinkBaseTest, AbortAfterCommitIsANoOp) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.commit(no_stage).is_ok());
    EXPECT_TRUE(sink.abort(no_stage).is_ok());
    EXPECT_EQ(calls.abort, 0);
    EXPECT_TRUE(fs::exists(complete()));
}

TEST_F(SinkBaseTest, WriteAfterCommitIsRefusedWithoutReachingTheHook) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.commit(no_stage).is_ok());
    Status s = sink.write_at(0, bytes("late"), no_stage);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_EQ(s.stage(), Stage::write);
    EXPECT_EQ(s.message(), "test: write_at after the dump was committed (" + complete() + ")");
    EXPECT_EQ(calls.write_at, 0);
    EXPECT_EQ(sink.append(bytes("late"), no_stage).code(), Code::not_supported);
    EXPECT_EQ(sink.put_file("x.txt", bytes("late"), no_stage).code(), Code::not_supported);
}

TEST_F(SinkBaseTest, ASecondCommitIsAnError) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.commit(no_stage).is_ok());
    Status s = sink.commit(no_stage);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_EQ(s.stage(), Stage::commit);
    EXPECT_TRUE(contains(s.message(), "commit after the dump was committed")) << s.to_string();
    EXPECT_EQ(calls.commit, 1);
}

TEST_F(SinkBaseTest, WriteAfterAbortIsRefusedAndTheDumpStaysIncomplete) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    ASSERT_TRUE(sink.abort(no_stage).is_ok());
    Status s = sink.write_at(4, bytes("more"), no_stage);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_TRUE(contains(s.message(), "test: write_at after the dump was aborted")) << s.to_string();
    EXPECT_EQ(sink.commit(no_stage).code(), Code::not_supported);
    EXPECT_TRUE(sink.abort(no_stage).is_ok()) << "a second abort is a no-op";
    EXPECT_EQ(calls.abort, 1);
    EXPECT_EQ(calls.commit, 0);
    EXPECT_EQ(read_file(incomplete()), "data");
    EXPECT_FALSE(fs::exists(complete()));
}

TEST_F(SinkBaseTest, AfterAFailedWriteOnlyAbortIsAllowed) {
    FileSink sink(dir.path(), "vmcore", calls, /*read_only=*/true);
    Status failed = sink.write_at(0, bytes("data"), no_stage);
    ASSERT_FALSE(failed.is_ok());
    EXPECT_EQ(failed.sys_errno(), EBADF) << failed.to_string();
    EXPECT_EQ(failed.stage(), Stage::write);

    Status again = sink.write_at(0, bytes("data"), no_stage);
    EXPECT_EQ(again.code(), Code::not_supported);
    EXPECT_TRUE(contains(again.message(), "after a failed write or commit; only abort() is possible")) << again.to_string();
    EXPECT_EQ(sink.put_file("vmcore-dmesg.txt", bytes("log"), no_stage).code(), Code::not_supported);
    EXPECT_EQ(sink.commit(no_stage).code(), Code::not_supported);
    EXPECT_EQ(calls.write_at, 1);
    EXPECT_EQ(calls.put_file, 0);
    EXPECT_EQ(calls.commit, 0);

    EXPECT_TRUE(sink.abort(no_stage).is_ok());
    EXPECT_EQ(calls.abort, 1);
    EXPECT_TRUE(fs::exists(incomplete()));
}

TEST_F(SinkBaseTest, AFailedCommitLeavesOnlyAbort) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    sink.throw_next(FileSink::Throw::runtime_error);
    Status s = sink.commit(with_stage(Stage::commit));
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.stage(), Stage::commit);
    EXPECT_EQ(sink.commit(no_stage).code(), Code::not_supported) << "no retry of a failed commit";
    EXPECT_TRUE(sink.abort(no_stage).is_ok());
    EXPECT_EQ(calls.commit, 1);
    EXPECT_EQ(calls.abort, 1) << "abort after a failed commit still releases what commit left";
    EXPECT_EQ(read_file(incomplete()), "data");
}

TEST_F(SinkBaseTest, AnExceptionInAHookBecomesAStatusNamingThePlugin) {
    FileSink sink(dir.path(), "vmcore", calls);
    sink.throw_next(FileSink::Throw::runtime_error);
    Status s = sink.write_at(0, bytes("data"), with_stage(Stage::write));
    EXPECT_EQ(s.code(), Code::system);
    EXPECT_EQ(s.message(), "test: unexpected exception: boom");
    EXPECT_EQ(s.stage(), Stage::write);
    EXPECT_EQ(sink.write_at(0, bytes("data"), no_stage).code(), Code::not_supported)
        << "a write that threw is a failed write";

    fs::create_directory(dir / "second");
    FileSink other(dir / "second", "vmcore", calls);
    other.throw_next(FileSink::Throw::bad_alloc);
    Status oom = other.put_file("vmcore-dmesg.txt", bytes("log"), no_stage);
    EXPECT_EQ(oom.sys_errno(), ENOMEM);
    EXPECT_EQ(oom.message(), "test: out of memory");
    EXPECT_EQ(oom.stage(), Stage::write);
    other.throw_next(FileSink::Throw::runtime_error);
    Status aborted = other.abort(no_stage);
    EXPECT_EQ(aborted.message(), "test: unexpected exception: boom");
    EXPECT_EQ(aborted.stage(), Stage::abort);
}

TEST_F(SinkBaseTest, FailuresCarryTheCallersStageOrTheCallsOwn) {
    FileSink sink(dir.path(), "vmcore", calls);
    // The caller's stage wins over the call's default...
    sink.throw_next(FileSink::Throw::runtime_error);
    EXPECT_EQ(sink.put_file("a.txt", bytes("x"), with_stage(Stage::open)).stage(), Stage::open);
    // ...and without one, each call has its own.
    sink.throw_next(FileSink::Throw::runtime_error);
    EXPECT_EQ(sink.put_file("a.txt", bytes("x"), no_stage).stage(), Stage::write);
    // A stage the hook set itself (a lost connection found while writing) is kept.
    sink.fail_next_with_stage(Stage::connect);
    EXPECT_EQ(sink.write_at(0, bytes("x"), with_stage(Stage::write)).stage(), Stage::connect);
    // Refusals are labelled too.
    EXPECT_EQ(sink.commit(no_stage).stage(), Stage::commit);
    sink.throw_next(FileSink::Throw::runtime_error);
    EXPECT_EQ(sink.abort(no_stage).stage(), Stage::abort);
}

TEST_F(SinkBaseTest, SideFileNamesAreCheckedBeforeTheHook) {
    FileSink sink(dir.path(), "vmcore.flat", calls);
    const std::vector<std::string> bad_names = {
        "", ".", "..", "a/b", "../escape", ".hidden", ".vmcore-dmesg.txt.part", "vmcore-incomplete", "vmcore.flat",
        std::string("nul\0byte", 8)};
    for (const std::string& bad : bad_names) {
        Status s = sink.put_file(bad, bytes("x"), no_stage);
        EXPECT_EQ(s.code(), Code::invalid_config) << "'" << bad << "'";
        EXPECT_EQ(s.stage(), Stage::write);
        EXPECT_TRUE(contains(s.message(), "test: side file name '")) << s.to_string();
    }
    EXPECT_EQ(calls.put_file, 0);
    EXPECT_TRUE(sink.put_file("vmcore-dmesg.txt", bytes("log"), no_stage).is_ok()) << "a bad name is not a failed sink";
    EXPECT_TRUE(sink.put_file("vmcore", bytes("x"), no_stage).is_ok()) << "only this dump's own final name is taken";
    EXPECT_EQ(calls.put_file, 2);
}

TEST_F(SinkBaseTest, SideFilesMustPrecedeTheData) {
    FileSink sink(dir.path(), "vmcore", calls);
    ASSERT_TRUE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    Status s = sink.put_file("vmcore-dmesg.txt", bytes("log"), no_stage);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_EQ(s.message(), "test: side files must precede the dump data ('vmcore-dmesg.txt' came after it)");
    EXPECT_EQ(calls.put_file, 0);
    EXPECT_TRUE(sink.commit(no_stage).is_ok()) << "a refused side file does not fail the dump";
}

TEST_F(SinkBaseTest, AFailedSideFileDoesNotFailTheDump) {
    FileSink sink(dir.path(), "vmcore", calls);
    sink.fail_next_with_stage(Stage::write);
    EXPECT_FALSE(sink.put_file("vmcore-dmesg.txt", bytes("log"), no_stage).is_ok());
    ASSERT_TRUE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    EXPECT_TRUE(sink.commit(no_stage).is_ok());
}

TEST_F(SinkBaseTest, TheWrongDataHookIsRefusedByTheBase) {
    FileSink sink(dir.path(), "vmcore", calls);
    Status s = sink.append(bytes("data"), no_stage);
    EXPECT_EQ(s.code(), Code::not_supported);
    EXPECT_EQ(s.message(), "test: append is not implemented");
    EXPECT_EQ(s.stage(), Stage::write);
}

TEST_F(SinkBaseTest, DestroyedWhileWritingItAbortsAndKeepsTheData) {
    {
        FileSink sink(dir.path(), "vmcore", calls);
        ASSERT_TRUE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    }
    EXPECT_EQ(calls.abort, 1);
    EXPECT_EQ(read_file(incomplete()), "data");
    EXPECT_FALSE(fs::exists(complete()));
}

TEST_F(SinkBaseTest, DestroyedAfterAFailedWriteItAbortsOnce) {
    {
        FileSink sink(dir.path(), "vmcore", calls, /*read_only=*/true);
        ASSERT_FALSE(sink.write_at(0, bytes("data"), no_stage).is_ok());
    }
    EXPECT_EQ(calls.abort, 1);
}

TEST_F(SinkBaseTest, DestroyedAfterCommitOrAbortItDoesNothingMore) {
    {
        FileSink sink(dir.path(), "vmcore", calls);
        ASSERT_TRUE(sink.commit(no_stage).is_ok());
    }
    EXPECT_EQ(calls.abort, 0);
    {
        FileSink sink(dir.path(), "vmcore2", calls);
        ASSERT_TRUE(sink.abort(no_stage).is_ok());
    }
    EXPECT_EQ(calls.abort, 1);
}

}  // namespace
}  // namespace kdf::test
