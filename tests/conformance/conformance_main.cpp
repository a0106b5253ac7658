// conformance_main.cpp - kdf-conformance: the transport conformance suite for any plugin file,
// configured as users configure it (docs/plugins/conformance.md).
//
//   kdf-conformance --plugin FILE --config FILE --target NAME (--dir DIR | --device FILE)
//                   [--break CMD --repair CMD] [--withhold CAP] [gtest flags]
//
// --dir: the directory the target's dated dump directories appear in, as this machine sees it (a
// loopback server's directory, a mounted export); --device: the raw device or file the target
// writes. --break/--repair: shell commands that make the target fail under an open dump and undo
// it ($KDF_CONFORMANCE_DUMP holds the dump's directory name); without them that case is skipped.
// --withhold positional_write: the plugin declares it for the transport, but this target's
// configuration does not offer it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/conformance/directory_target.h"
#include "tests/conformance/raw_device_target.h"
#include "tests/conformance/transport_conformance.h"

namespace kdf::conformance {
namespace {

struct CliOptions {
    std::string plugin, config, target, dir, device, break_cmd, repair_cmd;
    uint32_t withheld = 0;
    chain::TargetSpec section;  // read before any case runs
};

CliOptions& cli() {
    static CliOptions options;
    return options;
}

// The [target NAME] section of the config file, as the parser reads it; an error ends the run.
chain::TargetSpec section_from_config() {
    chain::ConfigLoad load = chain::load_config(cli().config);
    if (!load.errors.empty()) {
        std::fprintf(stderr, "kdf-conformance: %s\n", load.errors.front().c_str());
        std::exit(2);
    }
    for (const chain::TargetSpec& t : load.config->targets)
        if (t.name == cli().target) return t;
    std::fprintf(stderr, "kdf-conformance: %s has no [target %s]\n", cli().config.c_str(), cli().target.c_str());
    std::exit(2);
}

bool run_hook(const std::string& cmd, const DumpInfo& dump) {
    if (cmd.empty()) return false;
    ::setenv("KDF_CONFORMANCE_DUMP", dump.dir_name.c_str(), 1);
    return std::system(cmd.c_str()) == 0;
}

// The configured target with read-back from a directory or from a raw device.
template <class Base>
class CliTarget : public Base {
public:
    std::string plugin_file() const override { return cli().plugin; }
    chain::TargetSpec target() const override { return cli().section; }
    bool break_target(const DumpInfo& dump) override {
        if (cli().break_cmd.empty()) return false;
        broken_ = true;
        return run_hook(cli().break_cmd, dump);
    }
    void repair_target() override {
        if (broken_) (void)std::system(cli().repair_cmd.c_str());
        broken_ = false;
    }
    uint32_t withheld_caps() const override { return cli().withheld; }

private:
    bool broken_ = false;
};

class CliDirTarget : public CliTarget<DirectoryTarget> {
public:
    std::string root() const override { return cli().dir; }
};

class CliRawTarget : public CliTarget<RawDeviceTarget> {
public:
    std::string device() const override { return cli().device; }
};

std::unique_ptr<ConformanceTarget> make_cli_target() {
    if (!cli().device.empty()) return std::make_unique<CliRawTarget>();
    return std::make_unique<CliDirTarget>();
}

INSTANTIATE_TEST_SUITE_P(plugin, TransportConformance, ::testing::Values(ConformanceCase{"cli", make_cli_target}),
                         conformance_case_name);

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "kdf-conformance: %s\n"
                 "usage: kdf-conformance --plugin FILE --config FILE --target NAME (--dir DIR | --device FILE)\n"
                 "                       [--break CMD --repair CMD] [--withhold positional_write] [gtest flags]\n",
                 why);
    std::exit(2);
}

// Takes our options out of argv (gtest gets the rest).
void parse_options(int& argc, char** argv) {
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage((arg + " needs a value").c_str());
            return argv[++i];
        };
        if (arg == "--plugin") cli().plugin = value();
        else if (arg == "--config") cli().config = value();
        else if (arg == "--target") cli().target = value();
        else if (arg == "--dir") cli().dir = value();
        else if (arg == "--device") cli().device = value();
        else if (arg == "--break") cli().break_cmd = value();
        else if (arg == "--repair") cli().repair_cmd = value();
        else if (arg == "--withhold") {
            std::string cap = value();
            if (cap != "positional_write") usage(("--withhold " + cap + ": only positional_write can be withheld").c_str());
            cli().withheld |= static_cast<uint32_t>(TransportCap::positional_write);
        } else rest.push_back(argv[i]);
    }
    if (cli().plugin.empty() || cli().config.empty() || cli().target.empty()) usage("--plugin, --config and --target are required");
    if (cli().dir.empty() == cli().device.empty()) usage("give exactly one of --dir and --device");
    if (cli().break_cmd.empty() != cli().repair_cmd.empty()) usage("--break and --repair go together");
    argc = static_cast<int>(rest.size());
    for (int i = 0; i < argc; ++i) argv[i] = rest[static_cast<size_t>(i)];
}

}  // namespace
}  // namespace kdf::conformance

int main(int argc, char** argv) {
    kdf::conformance::parse_options(argc, argv);
    kdf::conformance::cli().section = kdf::conformance::section_from_config();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
