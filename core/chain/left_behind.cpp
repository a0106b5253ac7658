#include "core/chain/left_behind.h"

#include <dirent.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

namespace kdf::chain {

namespace {

// The state letter of one /proc stat line: the field after the command, which is in parentheses
// and may itself hold spaces and ')', hence the last ')'.
char state_of(const std::string& stat_path) {
    std::ifstream in(stat_path);
    std::string line;
    if (!std::getline(in, line)) return 0;
    const size_t close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size()) return 0;
    return line[close + 2];
}

}  // namespace

bool blocked_in_kernel(pid_t pid) {
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(tasks.c_str()), &::closedir);
    if (!dir) return false;
    while (const dirent* e = ::readdir(dir.get())) {
        if (e->d_name[0] == '.') continue;
        if (state_of(tasks + "/" + e->d_name + "/stat") == 'D') return true;
    }
    return false;
}

void LeftBehind::add(pid_t pid) { pids_.push_back(pid); }

size_t LeftBehind::reap() {
    size_t reaped = 0;
    std::erase_if(pids_, [&reaped](pid_t pid) {
        int status = 0;
        pid_t r;
        do r = ::waitpid(pid, &status, WNOHANG);
        while (r < 0 && errno == EINTR);
        // r < 0 (ECHILD): no longer our child to wait for, so nothing to keep.
        if (r == 0) return false;
        ++reaped;
        return true;
    });
    return reaped;
}

std::string LeftBehind::describe() const {
    std::string text;
    for (pid_t pid : pids_) text += (text.empty() ? "" : ", ") + std::to_string(pid);
    return text;
}

}  // namespace kdf::chain
