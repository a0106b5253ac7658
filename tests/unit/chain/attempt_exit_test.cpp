// How the supervisor ends an attempt process: a committed dump counts even when the process then
// will not exit, and processes it had to leave behind are reaped once they go (real processes:
// the real command with a plugin whose close blocks, real forks, a real vfork wait).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/chain/left_behind.h"
#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

// The file `prefix`* directly in `dir` ("" if none or several).
fs::path find_prefixed(const fs::path& dir, const std::string& suffix) {
    fs::path found;
    int count = 0;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().ends_with(suffix)) {
            found = e.path();
            ++count;
        }
    return count == 1 ? found : fs::path();
}

// The dump was committed, then closing the sink blocked forever. The stall clock kills the process,
// but the target holds a complete dump: success, with a warning, and the next target is not tried.
TEST(AttemptExit, ACommittedDumpCountsWhenTheProcessThenBlocks) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path sticky = s.mkdir("sticky");
    fs::path good = s.mkdir("good");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = sticky good\n\n[target sticky]\ntype = stuckexit\npath = " + sticky.string() +
                         "\nstall_timeout = 2s\n\n[target good]\ntype = local\npath = " + good.string() + "\n");
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("dump saved by target 'sticky'"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("target 'sticky': warning: the dump is committed, but the attempt process did not exit "
                         "after it (no progress for 2 s (stall timeout)); attempt killed"),
              std::string::npos)
        << r.err;
    // pause() gives way to SIGKILL: the process went, so nothing was left behind.
    EXPECT_EQ(r.err.find("left behind"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("trying the next target"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(good)) << "the dump must not be written a second time";
    EXPECT_TRUE(same_pages(vmcore, find_prefixed(sticky, "-stuckexit")));
    EXPECT_LT(r.seconds, 30.0);
}

// A child that exits after `ms`, in a process group of its own.
pid_t child_exiting_after(int ms) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::usleep(static_cast<useconds_t>(ms) * 1000);
        ::_exit(0);
    }
    return pid;
}

bool proc_entry_exists(pid_t pid) { return fs::exists("/proc/" + std::to_string(pid)); }

TEST(LeftBehind, ReapsWithoutBlockingAndLeavesNoZombie) {
    kdf::chain::LeftBehind strays;
    const pid_t pid = child_exiting_after(300);
    ASSERT_GT(pid, 0);
    strays.add(pid);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(strays.reap(), 0u);  // still running: reap() returns at once
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
    ASSERT_EQ(strays.still_running().size(), 1u);
    EXPECT_EQ(strays.describe(), std::to_string(pid));
    size_t reaped = 0;
    for (int i = 0; i < 500 && reaped == 0; ++i) {
        std::this_thread::sleep_for(10ms);
        reaped = strays.reap();
    }
    EXPECT_EQ(reaped, 1u);
    EXPECT_TRUE(strays.still_running().empty());
    EXPECT_FALSE(proc_entry_exists(pid)) << "a zombie is still there";
}

// vfork() keeps the parent in an uninterruptible wait (state D) until the child exits or execs:
// a real process blocked in the kernel, without a device that has to hang.
TEST(LeftBehind, SeesAProcessBlockedInTheKernel) {
    const pid_t parent = ::fork();
    ASSERT_GE(parent, 0);
    if (parent == 0) {
        const pid_t child = ::vfork();
        if (child == 0) {
            ::usleep(1'500'000);
            ::_exit(0);
        }
        ::_exit(0);
    }
    bool seen = false;
    for (int i = 0; i < 100 && !seen; ++i) {
        std::this_thread::sleep_for(10ms);
        seen = kdf::chain::blocked_in_kernel(parent);
    }
    EXPECT_TRUE(seen) << "the vfork parent was never seen in state D";
    const pid_t sleeper = child_exiting_after(2000);
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(kdf::chain::blocked_in_kernel(sleeper)) << "an ordinary sleep is not state D";
    int status = 0;
    EXPECT_EQ(::waitpid(parent, &status, 0), parent);
    ::kill(sleeper, SIGKILL);
    EXPECT_EQ(::waitpid(sleeper, &status, 0), sleeper);
}

}  // namespace
