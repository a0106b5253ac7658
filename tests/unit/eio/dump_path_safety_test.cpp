// A dump is written only where we made the place for it: the dump directory is created 0700 and the
// files 0600, and nothing planted on the target (a symlink where the dump directory or a dump file
// will be, a directory someone else can enter) makes the local transport write anywhere else. The
// chain then moves on to the next target, and what the symlink pointed at is untouched.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/unit/chain/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using namespace kdf_test;

class DumpPathSafety : public ::testing::Test {
protected:
    void SetUp() override {
        vmcore_ = s_.make_vmcore("32M", 3, "--kernel");
        planted_ = s_.mkdir("planted");
        good_ = s_.mkdir("good");
        victim_ = s_.mkdir("victim");
        victim_file_ = victim_ / "precious";
        write_file(victim_file_, "not a dump");
        conf_ = s_.path("kdf.conf");
        // A fixed dump name, so the test knows where the dump directory will be.
        write_file(conf_, "[chain]\ntargets = planted good\nname = crash1\n\n[target planted]\ntype = local\npath = " +
                              planted_.string() + "\nreserve = 0\n\n[target good]\ntype = local\npath = " + good_.string() +
                              "\nreserve = 0\n");
    }
    CommandResult dump() { return s_.run("dump --config " + conf_.string() + " --vmcore " + vmcore_.string()); }
    void expect_victim_untouched() {
        EXPECT_EQ(read_file(victim_file_), "not a dump");
        size_t entries = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(victim_)) ++entries;
        EXPECT_EQ(entries, 1u);
    }
    static unsigned mode_of(const fs::path& p) {
        struct stat st {};
        EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
        return st.st_mode & 07777;
    }

    Scratch s_;
    fs::path vmcore_, planted_, good_, victim_, victim_file_, conf_;
};

TEST_F(DumpPathSafety, CreatedPrivate) {
    ::umask(0);  // even with no umask at all
    CommandResult r = dump();
    ::umask(022);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(mode_of(planted_ / "crash1"), 0700u);
    EXPECT_EQ(mode_of(planted_ / "crash1" / "vmcore"), 0600u);
    EXPECT_EQ(mode_of(planted_ / "crash1" / "vmcore-dmesg.txt"), 0600u);
}

TEST_F(DumpPathSafety, SymlinkAsTheDumpDirectoryIsNotFollowed) {
    fs::create_directory_symlink(victim_, planted_ / "crash1");
    CommandResult r = dump();
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'planted' [open]: local: open directory " + (planted_ / "crash1").string()), std::string::npos)
        << r.err;
    expect_victim_untouched();
    EXPECT_FALSE(find_one(good_, "vmcore").empty());
}

TEST_F(DumpPathSafety, SymlinkAsTheDumpFileIsNotFollowed) {
    fs::create_directory(planted_ / "crash1");
    ::chmod((planted_ / "crash1").c_str(), 0700);
    fs::create_symlink(victim_file_, planted_ / "crash1" / "vmcore-incomplete");
    CommandResult r = dump();
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find("target 'planted' [open]: local: create " + (planted_ / "crash1" / "vmcore-incomplete").string()),
              std::string::npos)
        << r.err;
    expect_victim_untouched();
}

// A side file's name planted as a symlink: the file is written beside it and renamed over the
// link, so the link goes and its target stays as it was.
TEST_F(DumpPathSafety, SymlinkAsASideFileIsReplacedNotFollowed) {
    fs::create_directory(planted_ / "crash1");
    ::chmod((planted_ / "crash1").c_str(), 0700);
    fs::create_symlink(victim_file_, planted_ / "crash1" / "vmcore-dmesg.txt");
    CommandResult r = dump();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::is_symlink(planted_ / "crash1" / "vmcore-dmesg.txt"));
    EXPECT_EQ(mode_of(planted_ / "crash1" / "vmcore-dmesg.txt"), 0600u);
    expect_victim_untouched();
}

TEST_F(DumpPathSafety, ADumpDirectoryOthersCanEnterIsRefused) {
    fs::create_directory(planted_ / "crash1");
    ::chmod((planted_ / "crash1").c_str(), 0755);
    CommandResult r = dump();
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_NE(r.err.find((planted_ / "crash1").string() + " already exists, owned by uid 0 with mode 0755"), std::string::npos)
        << r.err;
    EXPECT_TRUE(fs::is_empty(planted_ / "crash1"));
}

}  // namespace
