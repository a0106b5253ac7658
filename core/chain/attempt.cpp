// The supervising side of an attempt: fork, watch the pipe and the clocks, kill when a clock runs out.
#include "core/chain/attempt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "core/chain/attempt_report.h"
#include "core/chain/left_behind.h"
#include "core/chain/progress_reporter.h"
#include "kdf/unique_fd.h"

namespace kdf::chain {

namespace {

using std::chrono::milliseconds;

// How long past a deadline the supervisor waits before it kills: the plugin's own deadline handling
// gets the first chance, so its error message (more precise than ours) is what the user sees.
constexpr milliseconds kGrace{1000};

// How long a killed process gets to go away. Dying takes a moment on a loaded machine (its memory
// is freed, its files closed), so a process that is merely slow gets 2 s. One blocked in the kernel
// on a device that stopped answering (a dead disk or SAN path, a frozen filesystem) cannot die
// until that I/O returns, which may be never: once it has been seen in that state for kStuckGrace
// the chain leaves it behind and moves on, so a dead device delays the next target by that little.
constexpr milliseconds kReapGrace{2000};
constexpr milliseconds kStuckGrace{300};

// Reaps `pid` once it has exited, polling until `deadline`; false if it is still there then.
bool reap_until(pid_t pid, Clock::time_point deadline, int& status, rusage& usage) {
    for (;;) {
        const pid_t r = ::wait4(pid, &status, WNOHANG, &usage);
        if (r == pid) return true;
        if (r < 0 && errno != EINTR) return true;  // not our child (any more): nothing to wait for
        if (Clock::now() >= deadline) return false;
        ::usleep(10'000);
    }
}

enum class Reaped { exited, stuck_in_kernel, slow };

// Waits for a process that was sent SIGKILL: up to kReapGrace, or kStuckGrace once it is seen
// blocked in the kernel, where the kill cannot reach it.
Reaped reap_killed(pid_t pid, int& status, rusage& usage) {
    const auto deadline = Clock::now() + kReapGrace;
    std::optional<Clock::time_point> stuck_since;
    for (;;) {
        const auto now = Clock::now();
        const auto step = std::min(deadline, now + milliseconds(50));
        if (reap_until(pid, step, status, usage)) return Reaped::exited;
        if (!blocked_in_kernel(pid)) stuck_since.reset();
        else if (!stuck_since) stuck_since = Clock::now();
        else if (Clock::now() - *stuck_since >= kStuckGrace) return Reaped::stuck_in_kernel;
        if (Clock::now() >= deadline) return blocked_in_kernel(pid) ? Reaped::stuck_in_kernel : Reaped::slow;
    }
}

// Said after "attempt killed" when the process did not go away: it still holds its device.
std::string left_behind_text(Reaped r) {
    switch (r) {
    case Reaped::exited: return "";
    case Reaped::stuck_in_kernel:
        return ", but it did not exit (blocked in the kernel: a device or filesystem that stopped answering?) and was left behind";
    case Reaped::slow:
        return ", but it had not exited " + std::to_string(kReapGrace.count() / 1000) + " s later and was left behind";
    }
    return "";
}

std::string describe_duration(uint64_t ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

[[noreturn]] void child_main(const AttemptRequest& request, int report_fd) {
    // Own process group: a kill reaches anything the plugin started (ssh, helpers) too.
    ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_IGN);
    AttemptReporter report(report_fd);
    Status s = run_attempt_body(request, report);
    if (!s.is_ok()) {
        report.fail(s);
        ::_exit(1);
    }
    ::_exit(0);
}

// Everything the parent knows about a running attempt.
struct Watch {
    Clock::time_point started;
    Clock::time_point last_progress;
    Stage stage = Stage::load;
    bool opened = false;
    uint64_t bytes = 0;
    uint64_t total = 0;
    std::optional<std::string> done;
    std::optional<Status> fail;
    std::optional<Status> garbled;  // the first line that was not a message: the report cannot be trusted
};

// The timeout that has run out, or "" if none.
std::string expired(const Watch& w, const TargetSpec& t, Clock::time_point now) {
    if (t.total_ms && now > w.started + milliseconds(t.total_ms) + kGrace)
        return "total timeout (" + describe_duration(t.total_ms) + ") passed";
    if (!w.opened && t.connect_ms && now > w.started + milliseconds(t.connect_ms) + kGrace)
        return "not connected within the connect timeout (" + describe_duration(t.connect_ms) + ")";
    if (w.opened && t.stall_ms && now > w.last_progress + milliseconds(t.stall_ms) + kGrace)
        return "no progress for " + describe_duration(t.stall_ms) + " (stall timeout)";
    return {};
}

Clock::time_point next_deadline(const Watch& w, const TargetSpec& t) {
    Clock::time_point next = Clock::time_point::max();
    if (t.total_ms) next = std::min(next, w.started + milliseconds(t.total_ms) + kGrace);
    if (!w.opened && t.connect_ms) next = std::min(next, w.started + milliseconds(t.connect_ms) + kGrace);
    if (w.opened && t.stall_ms) next = std::min(next, w.last_progress + milliseconds(t.stall_ms) + kGrace);
    return next;
}

void apply(Watch& w, AttemptMessage& m, ProgressReporter* progress, const std::string& target) {
    const auto now = Clock::now();
    switch (m.kind) {
    case AttemptMessage::Kind::stage:
        w.stage = m.stage;
        w.last_progress = now;
        if (w.stage == Stage::write) {
            w.opened = true;
            if (progress) progress->begin(target, w.total);
        }
        break;
    case AttemptMessage::Kind::bytes:
        w.total = m.total;
        if (m.done > w.bytes) {
            w.bytes = m.done;
            w.last_progress = now;
        }
        if (progress) {
            progress->set_total(w.total);
            progress->update(w.bytes);
        }
        break;
    case AttemptMessage::Kind::beat: w.last_progress = now; break;
    case AttemptMessage::Kind::done: w.done = std::move(m.text); break;
    case AttemptMessage::Kind::fail: w.fail = std::move(m.status); break;
    case AttemptMessage::Kind::note:
        if (progress && w.opened) progress->note(m.text);
        break;
    }
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return std::string("SIG") + (abbrev ? abbrev : std::to_string(sig).c_str()) + " (" + strsignal(sig) + ")";
}

}  // namespace

Attempt::Attempt(AttemptRequest request, ProgressReporter* progress)
    : request_(std::move(request)), progress_(progress) {}

AttemptOutcome Attempt::run() {
    AttemptOutcome out;
    const TargetSpec& t = request_.target;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        out.status = Status::from_errno(errno, "cannot create the attempt pipe");
        out.status.with_target(t.name);
        return out;
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    std::fflush(nullptr);  // the child must not flush our buffered output a second time
    const pid_t pid = ::fork();
    if (pid < 0) {
        out.status = Status::from_errno(errno, "cannot fork the attempt process");
        out.status.with_target(t.name);
        return out;
    }
    if (pid == 0) {
        read_end.reset();
        child_main(request_, write_end.release());
    }
    ::setpgid(pid, pid);  // also in the parent, so kill(-pid) works even before the child ran
    write_end.reset();

    Watch w;
    w.started = w.last_progress = Clock::now();
    std::string pending;
    std::string timeout;
    bool eof = false;
    while (!eof && !w.garbled) {
        const auto now = Clock::now();
        timeout = expired(w, t, now);
        if (!timeout.empty()) break;
        auto wait = std::chrono::duration_cast<milliseconds>(next_deadline(w, t) - now);
        int wait_ms = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));  // wake at least every second
        pollfd pfd{read_end.get(), POLLIN, 0};
        int r = ::poll(&pfd, 1, wait_ms);
        if (r < 0 && errno != EINTR) {
            // Without poll there is no clock: treat the report as lost, so the child is killed
            // rather than waited for.
            w.garbled = Status::from_errno(errno, "poll on the attempt pipe");
            break;
        }
        if (r <= 0) {
            if (progress_ && w.opened) progress_->update(w.bytes);
            continue;
        }
        char buf[4096];
        ssize_t n = ::read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof = true;
            break;
        }
        pending.append(buf, static_cast<size_t>(n));
        for (size_t nl; !w.garbled && (nl = pending.find('\n')) != std::string::npos;) {
            auto m = parse_attempt_message(std::string_view(pending).substr(0, nl));
            if (m.is_ok()) apply(w, m.value(), progress_, t.name);
            else w.garbled = m.take_status();
            pending.erase(0, nl + 1);
        }
        if (!w.garbled && pending.size() > kMaxReportLine)
            w.garbled = Status::error(Code::corrupt, "attempt report line longer than " +
                                                         std::to_string(kMaxReportLine) + " bytes");
    }
    if (progress_) progress_->end();

    if (!timeout.empty() || w.garbled) {
        ::kill(-pid, SIGKILL);
        out.killed = true;
    }
    int status = 0;
    rusage usage{};
    Reaped reaped = Reaped::exited;
    if (out.killed) {
        reaped = reap_killed(pid, status, usage);
    } else {
        // The report ended, so the process is exiting; it still answers to the clock that runs
        // (an exit can block too: closing a block device flushes it).
        if (!reap_until(pid, std::max(next_deadline(w, t), Clock::now() + kGrace), status, usage)) {
            ::kill(-pid, SIGKILL);
            out.killed = true;
            timeout = "the attempt process did not exit after its report ended";
            reaped = reap_killed(pid, status, usage);
        }
    }
    if (reaped != Reaped::exited) out.left_behind = pid;
    out.peak_rss_kib = static_cast<uint64_t>(usage.ru_maxrss);
    out.seconds = std::chrono::duration<double>(Clock::now() - w.started).count();
    out.stage = w.stage;
    out.bytes = w.bytes;

    const std::string left_behind = left_behind_text(reaped);
    if (w.garbled) {
        out.status = std::move(*w.garbled);
        out.status.with_context("cannot trust the attempt's report; attempt killed" + left_behind);
    } else if (w.done) {
        // The sink committed: the dump is complete where it landed, whatever the process did after
        // (an iSCSI logout or a device close that blocks, a crash in a destructor). Failing here
        // would send the chain on to write the same dump again elsewhere, for nothing.
        out.ok = true;
        out.location = std::move(*w.done);
        if (out.killed)
            out.warning = "the dump is committed, but the attempt process did not exit after it (" + timeout +
                          "); attempt killed" + left_behind;
        else if (WIFSIGNALED(status))
            out.warning = "the dump is committed, but plugin '" + t.type + "' then crashed with " +
                          signal_text(WTERMSIG(status));
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            out.warning = "the dump is committed, but the attempt process then exited with status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else if (out.killed) {
        out.status = Status::error(Code::timeout, timeout + "; attempt killed" + left_behind);
    } else if (WIFSIGNALED(status)) {
        out.status = Status::error(Code::system, "plugin '" + t.type + "' crashed with " +
                                                     signal_text(WTERMSIG(status)) + "; attempt abandoned");
    } else if (w.fail) {
        out.status = std::move(*w.fail);
    } else {
        out.status = Status::error(Code::system, "attempt process exited with status " +
                                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                                     " without a report");
    }
    if (!out.ok) out.status.with_stage(w.stage).with_target(t.name);
    return out;
}

}  // namespace kdf::chain
