// tests/support/shell.h - running a shell command from a test: its exit status, its output, or
// both. Shared by every test area that drives real programs (servers, s3cmd, makedumpfile, QEMU).
#pragma once

#include <string>

namespace kdf_test {

// Runs `command` with /bin/sh -c, its output going where the test's goes; its exit status (-1
// when it did not exit).
int shell(const std::string& command);

// The standard output of `command` (stderr goes where the test's goes), trailing newlines trimmed.
std::string shell_output(const std::string& command);

struct ShellResult {
    int exit_code = -1;  // -1 when it did not exit
    std::string out;     // stdout and stderr together, untrimmed
};

// Runs `command`, capturing its stdout and stderr together with its exit status.
ShellResult shell_captured(const std::string& command);

}  // namespace kdf_test
