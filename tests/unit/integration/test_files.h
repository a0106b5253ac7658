// tests/unit/integration/test_files.h - reading the sample files and running the command.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace kdf::test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string data_file(const std::string& name) { return read_file(std::string(KDF_INTEGRATION_DATA) + "/" + name); }

struct CliRun {
    int status = -1;
    std::string output;  // stdout and stderr
};

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs `kdump-failover ARGS` (already quoted) with the build tree's plugins.
inline CliRun run_cli(const std::string& args) {
    CliRun r;
    const std::string cmd = "KDF_PLUGIN_PATH=" + quote(KDF_PLUGIN_BUILD_DIR) + " " + quote(KDF_CLI) + " " + args + " 2>&1";
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

}  // namespace kdf::test
