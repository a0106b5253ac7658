// tests/unit/config/config_test_support.h - a temp dir for config files, and error matching.
#pragma once

#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/config/config.h"

namespace kdf::chain::test {

using TempDir = kdf::test::TempDir;

// A config file in its own temp dir, loaded with load_config(); `{F}` in expected texts stands for
// the file's real path.
class ConfigFile {
public:
    explicit ConfigFile(const std::string& text, const std::string& mountinfo = "") {
        path_ = dir_.write("kdump-failover.conf", text);
        opts_.mountinfo_path = mountinfo.empty() ? dir_.path() + "/no-mountinfo" : dir_.write("mountinfo", mountinfo);
        opts_.sys_block_dir = dir_.path() + "/sys/block";
        result_ = load_config(path_, opts_);
    }
    const std::string& path() const { return path_; }
    const TempDir& dir() const { return dir_; }
    const ConfigLoad& result() const { return result_; }
    const LoadOptions& options() const { return opts_; }

    std::vector<std::string> expand(std::vector<std::string> texts) const {
        for (std::string& t : texts)
            for (size_t p; (p = t.find("{F}")) != std::string::npos;) t.replace(p, 3, path_);
        return texts;
    }

private:
    TempDir dir_;
    std::string path_;
    LoadOptions opts_;
    ConfigLoad result_;
};

// The smallest config the README and docs/architecture.md show, used as the valid base the error tests break.
inline const char* smallest_config() {
    return "[chain]\n"
           "targets = primary backup\n"
           "\n"
           "[target primary]\n"
           "type = local\n"
           "path = /mnt/nfs-crash\n"
           "\n"
           "[target backup]\n"
           "type = local\n"
           "path = /var/crash\n";
}

}  // namespace kdf::chain::test
