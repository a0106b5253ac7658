// The iscsi transport end to end: the real `kdump-failover dump` with a chain whose first target is
// a LUN on a real tgtd, then the real `kdump-failover save iscsi://...` reading it back; pages
// checked with kdf-compare-pages. A target stopped mid-transfer hits the stall timeout, the next
// target saves the dump, and the LUN's header says incomplete: save refuses it unless forced.
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/iscsi/iscsi_test_support.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

constexpr uint64_t MiB = 1u << 20;

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// "[chain] san backup": the iscsi target first, a local directory after it.
fs::path write_chain(Scratch& s, const Tgtd& t, const std::string& extra, const fs::path& backup) {
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = san backup\n\n[target san]\ntype = iscsi\nportal = " + t.portal() +
                         "\ntarget = " + kTgtdIqn + "\nlun = 1\n" + extra + "\n\n[target backup]\ntype = local\npath = " +
                         backup.string() + "\nreserve = 0\n");
    return conf;
}

std::string dump_cmd(const fs::path& conf, const fs::path& vmcore) {
    return "dump --config " + conf.string() + " --vmcore " + vmcore.string();
}

TEST(IscsiDump, DumpThenSaveGivesTheSamePagesAndMarksTheLunSaved) {
    Tgtd tgtd({{1, 64 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    Scratch s;
    fs::path vmcore = s.make_vmcore("32M", 5);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, tgtd, "stall_timeout = 10s", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "dump saved by target 'san' (iscsi): " + tgtd.url(1))) << r.out;
    EXPECT_TRUE(fs::is_empty(backup));
    EXPECT_EQ(header_of(tgtd.backing(1)).state, kdf::raw::State::complete);

    fs::path out = s.mkdir("saved");
    CommandResult saved = s.run("save " + tgtd.url(1) + " " + out.string());
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(out, "vmcore")));
    EXPECT_EQ(header_of(tgtd.backing(1)).state, kdf::raw::State::saved);
    CommandResult again = s.run("save " + tgtd.url(1) + " " + s.mkdir("again").string());
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_TRUE(contains(again.err, "was already saved")) << again.err;
}

TEST(IscsiDump, StoppedMidTransferHitsTheStallTimeoutNextTargetSavesAndTheLunSaysIncomplete) {
    Tgtd tgtd({{1, 96 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    Scratch s;
    // Incompressible and uncompressed, so the transfer lasts long enough to be stopped in the middle.
    fs::path vmcore = s.path("vmcore-random");
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --size 64M --mix random=1,zero=0,repeat=0,text=0 '" +
                           vmcore.string() + "'")
                              .c_str()),
              0);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, tgtd, "stall_timeout = 2s\n[dump]\ncompress = none", backup);

    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        CommandResult r = s.run(dump_cmd(conf, vmcore));
        write_file(s.path("result"), std::to_string(r.exit_code));
        ::_exit(0);
    }
    // Stop the target once the header reports the first 16 MiB of data (its first refresh): the
    // remaining 48 MiB are more than the commands in flight can hold, so the stall hits a write.
    bool frozen = false;
    for (auto until = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < until;) {
        if (has_header(tgtd.backing(1)) && header_of(tgtd.backing(1)).data_length > 0) {
            tgtd.freeze();
            frozen = true;
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    tgtd.thaw();
    ASSERT_TRUE(frozen) << "the dump never reached the LUN";
    const std::string err = read_file(s.path("stderr"));
    EXPECT_EQ(read_file(s.path("result")), "11") << err;
    EXPECT_TRUE(contains(err, "target 'san' [write]: iscsi: ")) << err;
    EXPECT_TRUE(contains(err, "target 'san' failed; trying the next target, 'backup'")) << err;
    EXPECT_FALSE(contains(err, "attempt killed")) << "the plugin must notice the stall itself: " << err;
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));

    EXPECT_EQ(header_of(tgtd.backing(1)).state, kdf::raw::State::writing);
    fs::path out = s.mkdir("saved");
    CommandResult refused = s.run("save " + tgtd.url(1) + " " + out.string());
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_TRUE(contains(refused.err, "is incomplete")) << refused.err;
    EXPECT_TRUE(contains(refused.err, "--force")) << refused.err;
    CommandResult forced = s.run("save " + tgtd.url(1) + " " + out.string() + " --force");
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_FALSE(find_one(out, "vmcore-incomplete").empty());
    EXPECT_TRUE(find_one(out, "vmcore").empty());
}

}  // namespace
