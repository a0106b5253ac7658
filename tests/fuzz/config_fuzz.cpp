// tests/fuzz/config_fuzz.cpp - the config parser, both forms (sections, and 0.2's key=value lines).
//
// The input is a config file's text. parse_config() picks the form itself (a 0.2 text has no
// [section] and one of its six keys); either way it must give a config or errors, each error one
// line naming the file (and line). The mount table the 0.2 form consults is an empty file, so a run
// does not depend on this host's mounts.
// Seeds: the example config, the configs the tests write, and 0.2 configs.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string_view>

#include "core/config/config.h"
#include "core/config/legacy_config.h"
#include "fuzz_files.h"

namespace {

const kdf::chain::LoadOptions& options() {
    static const kdf::fuzz::ScratchDir dir;
    static const kdf::chain::LoadOptions opts = [] {
        kdf::chain::LoadOptions o;
        o.mountinfo_path = dir.path() + "/mountinfo";
        o.sys_block_dir = dir.path() + "/block";
        std::ofstream(o.mountinfo_path).flush();
        return o;
    }();
    return opts;
}

void check_lines(const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
        // one line each, naming the file the text came from
        if (line.find('\n') != std::string::npos || line.rfind("fuzz.conf", 0) != 0)
            kdf::fuzz::broken("an error that is not one line naming the file", line);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const kdf::chain::ConfigLoad load = kdf::chain::parse_config(text, "fuzz.conf", options());
    if (!load.config && load.errors.empty()) kdf::fuzz::broken("no config and no error");
    check_lines(load.errors);
    if (kdf::chain::looks_like_legacy_config(text)) {
        const kdf::chain::ConfigLoad legacy = kdf::chain::parse_legacy_config(text, "fuzz.conf", options());
        if (!legacy.config && legacy.errors.empty()) kdf::fuzz::broken("no 0.2 config and no error");
        check_lines(legacy.errors);
    }
    return 0;
}
