// The small SDK helpers every plugin uses: names, sizes in messages, the reserve, stage labels,
// clean-up deadlines.
#include <gtest/gtest.h>

#include <chrono>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"

namespace kdf {
namespace {

TEST(Names, PlainNamesAreSinglePathComponents) {
    EXPECT_TRUE(is_plain_name("vmcore"));
    EXPECT_TRUE(is_plain_name("node1-2026-11-23-19:04:05"));
    EXPECT_TRUE(is_plain_name(".hidden"));
    for (std::string_view bad : {"", ".", "..", "a/b", "/abs", "dir/"}) EXPECT_FALSE(is_plain_name(bad)) << bad;
    EXPECT_FALSE(is_plain_name(std::string_view("a\0b", 3)));
}

TEST(Names, SideFilesKeepClearOfTheDumpsOwnNamesAndTemporaries) {
    EXPECT_TRUE(is_side_file_name("vmcore-dmesg.txt", "vmcore"));
    EXPECT_TRUE(is_side_file_name("vmcore", "vmcore.flat"));
    EXPECT_FALSE(is_side_file_name("vmcore", "vmcore"));
    EXPECT_FALSE(is_side_file_name("vmcore-incomplete", "vmcore"));
    EXPECT_FALSE(is_side_file_name(".vmcore-dmesg.txt.part", "vmcore"));
    EXPECT_FALSE(is_side_file_name("a/b", "vmcore"));
}

TEST(Names, DumpNamesAreCheckedWithAMessageNamingThePlugin) {
    DumpInfo dump;
    dump.dir_name = "node1-2026";
    dump.final_name = "vmcore";
    EXPECT_TRUE(check_dump_names("nfs", dump).is_ok());

    dump.dir_name = "../etc";
    Status s = check_dump_names("nfs", dump);
    EXPECT_EQ(s.code(), Code::invalid_config);
    EXPECT_EQ(s.message(), "nfs: dump directory name '../etc' is not a single path component");

    dump.dir_name = "node1-2026";
    dump.final_name = "vmcore-incomplete";
    s = check_dump_names("ssh", dump);
    EXPECT_EQ(s.code(), Code::invalid_config);
    EXPECT_EQ(s.message(), "ssh: dump file name 'vmcore-incomplete' is not usable");
}

TEST(Names, AFinishedDumpIsThisFinalNameOrAnEarlierVmcore) {
    EXPECT_EQ(finished_dump_names("vmcore.flat"), (std::array<std::string, 2>{"vmcore.flat", "vmcore"}));
    Status s = dump_exists_error("local", "/var/crash/node1", "vmcore");
    EXPECT_EQ(s.sys_errno(), EEXIST);
    EXPECT_EQ(s.message(), "local: /var/crash/node1 already holds a dump (vmcore); refusing to write over it");
}

TEST(SizeText, AlwaysMiBWithOneDecimal) {
    EXPECT_EQ(size_text(0), "0.0 MiB");
    EXPECT_EQ(size_text(1u << 20), "1.0 MiB");
    EXPECT_EQ(size_text(1536u << 10), "1.5 MiB");
    EXPECT_EQ(size_text(64ull << 30), "65536.0 MiB") << "never a coarser unit that hides a difference";
}

TEST(Reserve, BelowTheReserveIsNoSpaceWithBothFigures) {
    EXPECT_TRUE(check_reserve("nfs", 64u << 20, 64u << 20, "nfs://nas/crash").is_ok());
    Status s = check_reserve("nfs", 12u << 20, 64u << 20, "nfs://nas/crash");
    EXPECT_EQ(s.code(), Code::no_space);
    EXPECT_EQ(s.message(), "nfs: only 12.0 MiB free at nfs://nas/crash, below the reserve of 64.0 MiB");
}

TEST(CallHelpers, TheCallersStageWinsThenTheFallbackThenNothingForOk) {
    CallOptions opts;
    EXPECT_EQ(with_call_stage(Status::error(Code::system, "x"), opts, Stage::write).stage(), Stage::write);
    opts.stage = Stage::open;
    EXPECT_EQ(with_call_stage(Status::error(Code::system, "x"), opts, Stage::write).stage(), Stage::open);
    Status inner = Status::error(Code::system, "x");
    inner.with_stage(Stage::connect);
    EXPECT_EQ(with_call_stage(inner, opts, Stage::write).stage(), Stage::connect);
    EXPECT_EQ(with_call_stage(Status::ok(), opts, Stage::write).stage(), Stage::none);
}

TEST(CallHelpers, CleanupOptionsNeverOutliveTheCaller) {
    CallOptions unlimited;
    unlimited.stage = Stage::abort;
    CallOptions c = cleanup_options(unlimited, std::chrono::seconds(5));
    EXPECT_LE(c.remaining(), std::chrono::seconds(5));
    EXPECT_GT(c.remaining(), std::chrono::seconds(4));
    EXPECT_EQ(c.stage, Stage::abort);

    CallOptions soon;
    soon.deadline = Clock::now() + std::chrono::milliseconds(100);
    EXPECT_EQ(cleanup_options(soon, std::chrono::seconds(5)).deadline, soon.deadline);
}

}  // namespace
}  // namespace kdf
