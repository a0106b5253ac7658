#include "core/lifecycle/node_actions.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/config/mount_info.h"
#include "core/integration/config_file_update.h"
#include "core/lifecycle/unified_diff.h"
#include "kdf/unique_fd.h"

extern char** environ;

namespace kdf::lifecycle {

namespace fs = std::filesystem;

namespace {

bool fail(const std::string& what) {
    std::fprintf(stderr, "kdump-failover: %s\n", what.c_str());
    return false;
}

// A file we create: through a temporary name, synced, renamed into place.
bool create_file(const std::string& path, const std::string& text) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) return fail(path + ": cannot create its directory: " + ec.message());
    const std::string tmp = path + ".kdump-failover.tmp";
    ::unlink(tmp.c_str());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return fail(tmp + ": cannot create: " + std::strerror(errno));
    Status s = write_full(fd.get(), text.data(), text.size(), ("write " + tmp).c_str());
    if (s.is_ok() && ::fsync(fd.get()) != 0) s = Status::from_errno(errno, "fsync " + tmp);
    if (s.is_ok()) s = fd.close(("close " + tmp).c_str());
    if (s.is_ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Status::from_errno(errno, "rename to " + path);
    if (!s.is_ok()) {
        ::unlink(tmp.c_str());
        return fail(path + ": " + s.to_string());
    }
    return true;
}

bool apply_file(const FileChange& f, const SandboxRoot& root) {
    const std::string real = root.path(f.path);
    if (f.path.ends_with("/")) {
        // A directory setup created: removed only when empty, so nothing anyone put there goes.
        if (::rmdir(real.c_str()) == 0) std::printf("%s removed (empty)\n", real.c_str());
        else if (errno != ENOENT) std::printf("%s kept: %s\n", real.c_str(), std::strerror(errno));
        return true;
    }
    if (!f.new_text) {
        if (::unlink(real.c_str()) != 0 && errno != ENOENT) return fail(real + ": cannot delete: " + std::strerror(errno));
        std::printf("%s: deleted\n", real.c_str());
        return true;
    }
    if (f.from_backup) {
        const std::string backup = real + integration::kBackupSuffix;
        if (::rename(backup.c_str(), real.c_str()) != 0)
            return fail(real + ": cannot restore " + backup + ": " + std::strerror(errno));
        std::printf("%s: restored from %s\n", real.c_str(), backup.c_str());
        return true;
    }
    if (!f.old_text || f.ours) {
        if (!create_file(real, *f.new_text)) return false;
        std::printf("%s: %s\n", real.c_str(), f.old_text ? "rewritten" : "created");
        return true;
    }
    auto done = integration::update_config_file(real, *f.old_text, *f.new_text);
    if (!done.is_ok()) return fail(real + ": " + done.status().to_string());
    std::printf("%s: updated%s\n", real.c_str(),
                done.value().backup_written ? (" (the original is kept as " + done.value().backup_path + ")").c_str() : "");
    return true;
}

}  // namespace

std::string join_argv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        const bool plain = !a.empty() && a.find_first_of(" \t'\"$\\") == std::string::npos;
        out += plain ? a : "'" + a + "'";
    }
    return out;
}

std::optional<std::string> read_in_root(const SandboxRoot& root, const std::string& path) {
    return chain::read_small_file(root.path(path));
}

bool have_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
    size_t i = 0;
    while (i <= dirs.size()) {
        size_t colon = dirs.find(':', i);
        if (colon == std::string::npos) colon = dirs.size();
        const std::string candidate = dirs.substr(i, colon - i) + "/" + name;
        if (colon > i && ::access(candidate.c_str(), X_OK) == 0) return true;
        i = colon + 1;
    }
    return false;
}

namespace {

int spawn_and_wait(const std::vector<std::string>& argv, int stdout_fd, bool quiet_stderr) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    if (quiet_stderr) posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    const int err = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (err != 0) return -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
    std::fflush(stdout);
    const int rc = spawn_and_wait(argv, -1, false);
    if (rc == -1) std::fprintf(stderr, "kdump-failover: cannot run %s\n", argv[0].c_str());
    return rc;
}

CommandOutput capture_command(const std::vector<std::string>& argv) {
    CommandOutput r;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return r;
    UniqueFd read_end(fds[0]);
    {
        UniqueFd write_end(fds[1]);
        r.status = spawn_and_wait(argv, write_end.get(), true);
    }
    char buf[4096];
    ssize_t n;
    while ((n = ::read(read_end.get(), buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
    return r;
}

bool apply_plan(const NodePlan& plan, const SandboxRoot& root, const ApplyOptions& options) {
    for (const auto& f : plan.files) {
        if (options.dry_run && f.path.ends_with("/")) {
            std::printf("would remove %s if empty\n", root.path(f.path).c_str());
            continue;
        }
        if (options.dry_run) {
            const auto new_text = f.from_backup ? read_in_root(root, f.path + integration::kBackupSuffix) : f.new_text;
            std::fputs(unified_diff(root.path(f.path), f.old_text, new_text).c_str(), stdout);
            continue;
        }
        if (!apply_file(f, root)) return false;
    }
    for (const auto& c : plan.commands) {
        const std::string line = join_argv(c.argv);
        if (options.dry_run) {
            std::printf("would run: %s   (%s)\n", line.c_str(), c.why.c_str());
            continue;
        }
        if (!root.is_live()) {
            std::printf("skipped under --root %s: %s   (%s; run it on the node)\n", root.dir().c_str(), line.c_str(),
                        c.why.c_str());
            continue;
        }
        std::printf("running: %s   (%s)\n", line.c_str(), c.why.c_str());
        const int rc = run_command(c.argv);
        if (rc == 0) continue;
        if (!c.required) {
            std::fprintf(stderr, "kdump-failover: warning: %s exited %d (%s); going on\n", line.c_str(), rc, c.why.c_str());
            continue;
        }
        return fail(line + " exited " + std::to_string(rc) + ": could not " + c.why);
    }
    return true;
}

}  // namespace kdf::lifecycle
