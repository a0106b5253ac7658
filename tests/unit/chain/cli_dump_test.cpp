// The chain end to end through the real command: real plugins, real files, a real full filesystem,
// a plugin that really hangs and one that really crashes.
#include <sys/stat.h>

#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;

std::string local_target(const std::string& name, const fs::path& path, const std::string& extra = "") {
    return "[target " + name + "]\ntype = local\npath = " + path.string() + "\n" + extra + "\n";
}

// The failover scenario: full filesystem, then a hang, then a working directory.
TEST(ChainFailover, FullDiskThenHangThenWorkingTargetHoldsTheDump) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M");
    fs::path full = s.mount_tmpfs("full", "1m");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = full stuck good\n\n" + local_target("full", full, "reserve = 0") +
                         "[target stuck]\ntype = hang\npath = " + s.path().string() +
                         "\nhang_in = write\nstall_timeout = 2s\n\n" + local_target("good", good));

    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());

    EXPECT_EQ(r.exit_code, 12) << r.err;  // 10 + index 2: the third target holds it
    fs::path landed = find_one(good, "vmcore");
    ASSERT_FALSE(landed.empty()) << r.err;
    EXPECT_TRUE(same_pages(vmcore, landed));
    EXPECT_NE(r.out.find("dump saved by target 'good' (local): " + landed.string()), std::string::npos) << r.out;
    // The full target failed cleanly with ENOSPC and its partial dump is marked incomplete.
    EXPECT_NE(r.err.find("target 'full' [write]: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("No space left on device (ENOSPC)"), std::string::npos) << r.err;
    EXPECT_FALSE(find_one(full, "vmcore-incomplete").empty());
    EXPECT_TRUE(find_one(full, "vmcore").empty());
    // The hang was killed at its stall timeout, and the chain moved on.
    EXPECT_NE(r.err.find("target 'stuck' [write]: no progress for 2 s (stall timeout); attempt killed"), std::string::npos)
        << r.err;
    EXPECT_LT(r.seconds, 30.0);
}

TEST(ChainFailover, APluginThatSegfaultsCostsOneAttempt) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = crashy good\n\n[target crashy]\ntype = segv\npath = " + s.path().string() +
                         "\n\n" + local_target("good", good));
    // Under AddressSanitizer (CI's second build) let the signal through instead of ASan's report.
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string(),
                            "ASAN_OPTIONS=handle_segv=0");
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'crashy' [write]: plugin 'segv' crashed with SIGSEGV"), std::string::npos) << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(good, "vmcore")));
}

// A line on the attempt pipe that is not a message: the report cannot be trusted, so the attempt is
// killed with the reason, and the chain moves on.
TEST(ChainFailover, AGarbledReportCostsOneAttemptWithTheReason) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = noisy good\n\n[target noisy]\ntype = garble\npath = " + s.path().string() +
                         "\n\n" + local_target("good", good));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'noisy' [open]: cannot trust the attempt's report; attempt killed: garbled attempt "
                         "report line 'stage warp': unknown stage"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(good, "vmcore")));
}

TEST(ChainFailover, ConnectTimeoutKillsAnOpenThatNeverReturns) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = dead good\n\n[target dead]\ntype = hang\nhang_in = open\nconnect_timeout = 1s\n\n" +
                         local_target("good", good));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'dead' [open]: not connected within the connect timeout (1 s); attempt killed"),
              std::string::npos)
        << r.err;
    EXPECT_LT(r.seconds, 15.0);
}

TEST(ChainFailover, TotalTimeoutBoundsACommitThatHangs) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = slow good\n\n[target slow]\ntype = hang\nhang_in = commit\npath = " +
                         s.path().string() + "\nstall_timeout = 60s\ntotal_timeout = 2s\n\n" + local_target("good", good));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'slow' [commit]: total timeout (2 s) passed; attempt killed"), std::string::npos) << r.err;
}

TEST(ChainFailover, UnknownPluginFailsThatTargetOnly) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = odd good\n\n[target odd]\ntype = nfz\n\n" + local_target("good", good));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'odd' [load]: plugin 'nfz' not found in "), std::string::npos) << r.err;
}

TEST(ChainFailover, EveryTargetFailing) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = a b\n\n" + local_target("a", s.path("missing-a")) +
                         local_target("b", s.path("missing-b")));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("every target failed (2 tried); no dump was saved"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(s.path("missing-a"))) << "a missing target path must never be created";
    EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ChainDump, FirstTargetHoldsACompletePrivateDump) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("16M", 3);
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = primary\n\n" + local_target("primary", crash, "reserve = 0"));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(crash, "vmcore");
    ASSERT_FALSE(landed.empty());
    EXPECT_TRUE(same_pages(vmcore, landed));
    struct stat st{};
    ASSERT_EQ(::stat(landed.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // <host>-<YYYY-MM-DD-HH:MM:SS>
    std::string dir = landed.parent_path().filename().string();
    EXPECT_EQ(dir.size() > 20 ? dir[dir.size() - 9] : '?', '-') << dir;
    EXPECT_EQ(dir.substr(dir.size() - 6, 1), ":") << dir;
}

TEST(ChainDump, ATargetsOwnFormatOverridesTheDumpSection) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M", 3);
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[dump]\nformat = kdump\n\n[chain]\ntargets = primary\n\n" +
                         local_target("primary", crash, "reserve = 0\nformat = flat"));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(crash, "vmcore.flat");
    ASSERT_FALSE(landed.empty()) << r.out;
    fs::path rebuilt = s.path("rebuilt.kdump");
    ASSERT_EQ(s.run("reassemble " + landed.string() + " " + rebuilt.string()).exit_code, 0);
    EXPECT_TRUE(same_pages(vmcore, rebuilt));
}

// Level 31 through the chain on a vmcore with a real mem_map: pages are left out (so the strict
// comparison fails), every page kept equals the input, verify accepts the dump and the kernel log
// lands beside it.
TEST(ChainDump, Level31LeavesPagesOutAndKeepsTheRestExact) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("64M", 5, "--kernel");
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[dump]\nlevel = 31\n\n[chain]\ntargets = primary\n\n" + local_target("primary", crash, "reserve = 0"));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(crash, "vmcore");
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, landed, &excluded));
    EXPECT_GT(excluded, 1000u);
    EXPECT_FALSE(same_pages(vmcore, landed));
    EXPECT_EQ(s.run("verify " + landed.string()).exit_code, 0);
    EXPECT_FALSE(find_one(crash, "vmcore-dmesg.txt").empty());
}

TEST(ChainDump, CorruptVmcoreIsRefusedBeforeAnyTarget) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::resize_file(vmcore, fs::file_size(vmcore) / 2);  // truncated: segments run past the end
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = primary\n\n" + local_target("primary", crash));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(vmcore.string()), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(crash));

    write_file(vmcore, "this is not an ELF file at all");
    r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("bad magic"), std::string::npos) << r.err;
}

TEST(ChainDump, ConfigErrorsNameFileAndLine) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    CommandResult r;
    write_file(conf, "[chain]\ntargets = primary\nmirorr = yes\n");
    r = s.run("dump --config " + conf.string() + " --vmcore /dev/null");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(conf.string() + ":3: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("'mirror'"), std::string::npos) << r.err;
}

TEST(ChainPost, StatusZeroDoesNothingAndFailureRunsTheChain) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = backup\n\n" + local_target("backup", crash));
    CommandResult r = s.run("post 0 --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(fs::is_empty(crash));
    r = s.run("post 1 --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("kdump's own dump failed (status 1); running the chain"), std::string::npos) << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(crash, "vmcore")));
    r = s.run("post abc --config " + conf.string());
    EXPECT_EQ(r.exit_code, 2);
}

TEST(ChainDump, RawTargetThenSaveAfterReboot) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path device = s.path("disk.img");
    fs::resize_file((write_file(device, ""), device), 64u << 20);
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = disk\n\n[target disk]\ntype = local\nmode = raw\ndevice = " + device.string() + "\n");
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path out = s.mkdir("saved");
    r = s.run("save " + device.string() + " " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(out, "vmcore")));
    r = s.run("save " + device.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 1) << "a saved dump must not be saved twice without --force";
}

}  // namespace

namespace {

// Every format and codec through the chain; the dump is read back page by page.
struct FormatCase {
    const char* format;
    const char* compress;
    int level;
    const char* file;  // what lands
};

class ChainFormats : public ::testing::TestWithParam<FormatCase> {};

TEST_P(ChainFormats, DumpHoldsTheInputMemory) {
    const FormatCase& c = GetParam();
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M", 4);
    fs::path crash = s.mkdir("crash");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, std::string("[dump]\nformat = ") + c.format + "\ncompress = " + c.compress + "\nlevel = " +
                         std::to_string(c.level) + "\nthreads = 2\n\n[chain]\ntargets = primary\n\n" +
                         local_target("primary", crash, "reserve = 0"));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(crash, c.file);
    ASSERT_FALSE(landed.empty()) << r.out;
    if (std::string(c.format) == "flat") {
        fs::path rebuilt = s.path("rebuilt.kdump");
        CommandResult ra = s.run("reassemble " + landed.string() + " " + rebuilt.string());
        ASSERT_EQ(ra.exit_code, 0) << ra.err;
        landed = rebuilt;
    }
    EXPECT_TRUE(same_pages(vmcore, landed));
    CommandResult v = s.run("verify " + landed.string());
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

INSTANTIATE_TEST_SUITE_P(
    AllFormats, ChainFormats,
    ::testing::Values(FormatCase{"auto", "zlib", 0, "vmcore"}, FormatCase{"kdump", "lzo", 1, "vmcore"},
                      FormatCase{"kdump", "zstd", 1, "vmcore"}, FormatCase{"kdump", "none", 0, "vmcore"},
                      FormatCase{"flat", "zlib", 1, "vmcore.flat"}, FormatCase{"elf", "none", 1, "vmcore"},
                      FormatCase{"elf", "none", 0, "vmcore"}),
    [](const auto& test_case) {
        return std::string(test_case.param.format) + "_" + test_case.param.compress + "_d" + std::to_string(test_case.param.level);
    });

}  // namespace
