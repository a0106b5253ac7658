// Runs the real kdump-failover command in a scratch directory and captures what it says.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/page_compare.h"
#include "tests/support/temp_dir.h"

namespace kdf_test {

namespace fs = std::filesystem;

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
    double seconds = 0;
};

inline std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
}

// The dump holds the input vmcore's memory, page for page (any format, any codec).
inline ::testing::AssertionResult same_pages(const fs::path& input, const fs::path& dump) {
    if (dump.empty()) return ::testing::AssertionFailure() << "no dump found";
    std::string diff = kdf::test::compare_pages(input.string(), dump.string());
    if (diff.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << dump << ": " << diff;
}

// The dump holds every page it did not exclude exactly as the input has it (filtered dumps: which
// pages should be excluded is the filter tests' question). `excluded` gets how many it left out.
inline ::testing::AssertionResult same_kept_pages(const fs::path& input, const fs::path& dump, uint64_t* excluded) {
    if (dump.empty()) return ::testing::AssertionFailure() << "no dump found";
    std::string diff = kdf::test::compare_pages(input.string(), dump.string(), kdf::test::CompareMode::filtered, excluded);
    if (diff.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << dump << ": " << diff;
}

// A scratch directory removed at the end of the test (after unmounting anything mounted in it).
class Scratch {
public:
    Scratch() : tmp_("kdf-chain-test"), dir_(tmp_.path()) {}
    ~Scratch() {
        // Unmount before tmp_ removes the tree.
        for (const auto& m : mounts_) std::system(("umount -l '" + m + "' 2>/dev/null").c_str());
    }
    fs::path path(const std::string& rel = "") const { return rel.empty() ? dir_ : dir_ / rel; }
    fs::path mkdir(const std::string& rel) const {
        fs::create_directories(dir_ / rel);
        return dir_ / rel;
    }
    // A real, tiny tmpfs: writing past `size` fails with ENOSPC.
    fs::path mount_tmpfs(const std::string& rel, const std::string& size) {
        fs::path p = mkdir(rel);
        int rc = std::system(("mount -t tmpfs -o size=" + size + " kdf-test '" + p.string() + "'").c_str());
        if (rc != 0) ADD_FAILURE() << "cannot mount a tmpfs at " << p << " (the tests need root)";
        else mounts_.push_back(p.string());
        return p;
    }
    // A sample vmcore from the project's generator.
    // `extra`: more kdf-mkvmcore options, e.g. "--kernel" for a vmcore with a mem_map and a kernel log.
    fs::path make_vmcore(const std::string& size, int seed = 1, const std::string& extra = "") const {
        fs::path p = dir_ / ("vmcore-" + size);
        std::string cmd = std::string(KDF_MKVMCORE) + " " + extra + " --size " + size + " --seed " + std::to_string(seed) +
                          " '" + p.string() + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return p;
    }
    // Runs `kdump-failover ARGS` with the test plugins on the search path.
    CommandResult run(const std::string& args, const std::string& env = "") const {
        fs::path out = dir_ / "stdout", err = dir_ / "stderr";
        std::string cmd = "KDF_PLUGIN_PATH='" KDF_TEST_PLUGIN_DIR ":" KDF_PLUGIN_BUILD_DIR "' " + env + " " KDF_CLI " " +
                          args + " >'" + out.string() + "' 2>'" + err.string() + "'";
        auto t0 = std::chrono::steady_clock::now();
        int status = std::system(cmd.c_str());
        CommandResult r;
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = read_file(out);
        r.err = read_file(err);
        return r;
    }

private:
    kdf::test::TempDir tmp_;
    fs::path dir_;
    std::vector<std::string> mounts_;
};

// The one file called `name` somewhere below `dir` ("" if none or several).
inline fs::path find_one(const fs::path& dir, const std::string& name) {
    fs::path found;
    int count = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->path().filename() == name) {
            found = it->path();
            ++count;
        }
    return count == 1 ? found : fs::path();
}

}  // namespace kdf_test
