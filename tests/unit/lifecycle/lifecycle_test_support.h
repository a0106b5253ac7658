// tests/unit/lifecycle/lifecycle_test_support.h - shell, file and tree helpers of the lifecycle tests.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace kdf::test {

inline std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct ShellRun {
    int status = -1;
    std::string out;  // stdout, and stderr when asked
};

inline ShellRun sh(const std::string& cmd) {
    ShellRun r;
    std::FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// `kdump-failover ARGS` with the build tree's plugins; stderr into `out` when `with_stderr`.
inline ShellRun cli(const std::string& args, bool with_stderr = true) {
    return sh("KDF_PLUGIN_PATH=" + quote(KDF_PLUGIN_BUILD_DIR) + " " + quote(KDF_CLI) + " " + args +
              (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Every file, directory and link under `dir`: relative path -> mode and contents, to compare trees
// byte for byte.
inline std::map<std::string, std::string> snapshot(const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        struct stat st{};
        ::lstat(e.path().c_str(), &st);
        const std::string rel = std::filesystem::relative(e.path(), dir).string();
        std::string v = "mode " + std::to_string(st.st_mode) + "\n";
        if (e.is_symlink()) v += "-> " + std::filesystem::read_symlink(e.path()).string();
        else if (e.is_regular_file()) v += slurp(e.path().string());
        out[rel] = v;
    }
    return out;
}

inline std::string tree_difference(const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b) {
    std::string out;
    for (const auto& [k, v] : a) {
        auto it = b.find(k);
        if (it == b.end()) out += "only before: " + k + "\n";
        else if (it->second != v) out += "differs: " + k + "\n";
    }
    for (const auto& [k, v] : b)
        if (!a.count(k)) out += "only after: " + k + "\n";
    return out;
}

}  // namespace kdf::test
