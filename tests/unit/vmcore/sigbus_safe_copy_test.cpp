// copy_from_mapping() swallows only the SIGBUS its own copy's source raised. Each case runs in a
// child process: the handler is installed once per process, and the cases need it installed over
// a known previous action.
#include "core/vmcore/sigbus_safe_copy.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csetjmp>
#include <csignal>
#include <functional>
#include <vector>

namespace {

using kdf::vmcore::copy_from_mapping;

// Runs `body` in a child; its wait status.
int in_child(const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// A page of a mapping past the end of an empty memfd: any access to it raises SIGBUS.
char* sigbus_page() {
    const int fd = ::memfd_create("kdf-sigbus-test", MFD_CLOEXEC);
    if (fd < 0) return nullptr;
    void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}

sigjmp_buf g_test_jump;
void test_handler(int, siginfo_t*, void*) { siglongjmp(g_test_jump, 1); }

TEST(SigbusSafeCopy, AFaultingSourceMakesTheCopyFail) {
    const int status = in_child([] {
        char* bad = sigbus_page();
        char dst[64];
        if (bad == nullptr) return 3;
        return copy_from_mapping(dst, bad, sizeof dst) ? 1 : 0;
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A SIGBUS sent to the process (kill, tgkill) is not a fault of the copy: with the default action
// before us, it still terminates the process.
TEST(SigbusSafeCopy, ASentSigbusStillTerminatesUnderTheDefaultAction) {
    const int status = in_child([] {
        std::signal(SIGBUS, SIG_DFL);
        char src[64] = {}, dst[64];
        if (!copy_from_mapping(dst, src, sizeof dst)) return 1;  // installs the handler
        ::raise(SIGBUS);
        return 0;
    });
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGBUS);
}

// A fault on the destination during a copy is not the source's: the previous handler gets it.
TEST(SigbusSafeCopy, AFaultOutsideTheSourceGoesToThePreviousHandler) {
    const int status = in_child([] {
        struct sigaction action {};
        action.sa_sigaction = test_handler;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGBUS, &action, nullptr);
        char* bad = sigbus_page();
        if (bad == nullptr) return 3;
        std::vector<char> src(64, 'x');
        if (sigsetjmp(g_test_jump, 1) != 0) return 42;  // the previous handler saw it
        return copy_from_mapping(bad, src.data(), src.size()) ? 2 : 1;
    });
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42) << "1: the copy swallowed a fault on its destination";
}

}  // namespace
