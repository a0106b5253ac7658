// tests/support/shell.cpp - shell commands for tests (see shell.h).
#include "tests/support/shell.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

namespace kdf_test {

namespace {

// Everything `p` writes, then its wait status.
int drain(std::FILE* p, std::string& out) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    return ::pclose(p);
}

int exit_code_of(int status) { return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

int shell(const std::string& command) { return exit_code_of(std::system(command.c_str())); }

std::string shell_output(const std::string& command) {
    std::string out;
    if (std::FILE* p = ::popen(command.c_str(), "r")) (void)drain(p, out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

ShellResult shell_captured(const std::string& command) {
    ShellResult r;
    // The braces make the redirection cover every command of a list or script, not just the last;
    // the newline ends a command that ends in a comment or lacks its ';'.
    if (std::FILE* p = ::popen(("{ " + command + "\n} 2>&1").c_str(), "r")) r.exit_code = exit_code_of(drain(p, r.out));
    return r;
}

}  // namespace kdf_test
