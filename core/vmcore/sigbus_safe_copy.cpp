#include "core/vmcore/sigbus_safe_copy.h"

#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace kdf::vmcore {
namespace {

// The copy running on this thread: where to jump back to, and the source bytes it reads. Only a
// fault the kernel raised for an address in that source is the copy's; anything else (a fault on
// the destination, a bug elsewhere in the thread, a SIGBUS someone sent) is not ours to swallow.
struct CopyInFlight {
    sigjmp_buf* jump = nullptr;
    const char* begin = nullptr;
    const char* end = nullptr;
};
thread_local CopyInFlight t_copy;

struct sigaction g_previous_action;  // what SIGBUS did before we installed ours

bool is_copy_fault(const siginfo_t* info) {
    if (t_copy.jump == nullptr || info == nullptr) return false;
    // si_code <= 0: sent by kill/tgkill/sigqueue, not a fault of this thread's access.
    if (info->si_code <= 0) return false;
    const char* at = static_cast<const char*>(info->si_addr);
    return at >= t_copy.begin && at < t_copy.end;
}

void on_sigbus(int sig, siginfo_t* info, void* context) {
    if (is_copy_fault(info)) {
        sigjmp_buf* jump = t_copy.jump;
        t_copy.jump = nullptr;
        siglongjmp(*jump, 1);
    }
    // Not ours: hand the signal to whoever had it before. A handler function is called directly.
    if ((g_previous_action.sa_flags & SA_SIGINFO) != 0 && g_previous_action.sa_sigaction != nullptr) {
        g_previous_action.sa_sigaction(sig, info, context);
        return;
    }
    if (g_previous_action.sa_handler == SIG_IGN) return;
    if (g_previous_action.sa_handler != SIG_DFL && g_previous_action.sa_handler != nullptr) {
        g_previous_action.sa_handler(sig);
        return;
    }
    // The default action (terminate with a core dump): restore it. A fault repeats under it when
    // the handler returns; a sent signal does not repeat, so it is raised again, and (SA_NODEFER:
    // SIGBUS is not blocked in here) delivered at once.
    ::sigaction(SIGBUS, &g_previous_action, nullptr);
    if (info == nullptr || info->si_code <= 0) ::raise(SIGBUS);
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
    t_copy.begin = static_cast<const char*>(src);
    t_copy.end = t_copy.begin + size;
    t_copy.jump = &jump;
    // The fences keep the compiler from moving the copy out from between the two stores (or
    // dropping the first store as dead): the handler reads the slot in the middle of the copy.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    std::memcpy(dst, src, size);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_copy.jump = nullptr;
    return true;
}

}  // namespace kdf::vmcore
