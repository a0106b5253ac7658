#include "core/vmcore/sigbus_safe_copy.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace kdf::vmcore {
namespace {

// The jump target of the copy running on this thread, or null.
thread_local sigjmp_buf* t_copy_jump = nullptr;

struct sigaction g_previous_action;  // what SIGBUS did before we installed ours

void on_sigbus(int sig, siginfo_t* info, void* context) {
    sigjmp_buf* jump = t_copy_jump;
    if (jump != nullptr) {
        t_copy_jump = nullptr;
        siglongjmp(*jump, 1);
    }
    // Not ours: hand the signal to whoever had it before. A handler function is called directly;
    // otherwise the old disposition is restored and the fault repeats under it on return.
    if ((g_previous_action.sa_flags & SA_SIGINFO) != 0 && g_previous_action.sa_sigaction != nullptr) {
        g_previous_action.sa_sigaction(sig, info, context);
        return;
    }
    if (g_previous_action.sa_handler != SIG_DFL && g_previous_action.sa_handler != SIG_IGN &&
        g_previous_action.sa_handler != nullptr) {
        g_previous_action.sa_handler(sig);
        return;
    }
    ::sigaction(SIGBUS, &g_previous_action, nullptr);
}

void install_handler() {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    // SA_NODEFER: the handler leaves by siglongjmp without restoring the signal mask (saving and
    // restoring it costs a system call per copy), so SIGBUS must not stay blocked after a jump.
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous_action);
}

}  // namespace

bool copy_from_mapping(void* dst, const void* src, size_t size) noexcept {
    static std::once_flag installed;
    std::call_once(installed, install_handler);
    sigjmp_buf jump;
    if (sigsetjmp(jump, 0) != 0) return false;  // came back from on_sigbus
    t_copy_jump = &jump;
    // The fences keep the compiler from moving the copy out from between the two stores (or
    // dropping the first store as dead): the handler reads the slot in the middle of the copy.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    std::memcpy(dst, src, size);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_copy_jump = nullptr;
    return true;
}

}  // namespace kdf::vmcore
