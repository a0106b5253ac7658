// Behaviour: an ordinary transport that also exports admin commands (kdf/plugin_command.h), built
// twice under two names to test discovery: "cmda" offers fixture-hello, fixture-target (needs a
// target) and check (a core command's name, so it must be refused); "cmdb" offers fixture-hello
// again (already offered by cmda, which comes first, so it must be refused).
#include "kdf/plugin_command.h"
#include "test_transport.h"

#ifndef KDF_TEST_PLUGIN_NAME
#error "build with -DKDF_TEST_PLUGIN_NAME=\"cmda\" or \"cmdb\""
#endif

namespace {

class Commands final : public kdf_test::TestTransport {
public:
    Commands() : TestTransport(KDF_TEST_PLUGIN_NAME) {}
};

int hello(const kdf::TargetConfig*, int argc, const char* const* argv, std::FILE* out, std::FILE*) noexcept {
    std::fprintf(out, "hello from %s:", KDF_TEST_PLUGIN_NAME);
    for (int i = 0; i < argc; ++i) std::fprintf(out, " %s", argv[i]);
    std::fprintf(out, "\n");
    return 0;
}

#if defined(KDF_TEST_PLUGIN_FIRST)
int target_info(const kdf::TargetConfig* target, int, const char* const*, std::FILE* out, std::FILE* err) noexcept {
    if (!target) {
        std::fprintf(err, "fixture-target: no target\n");
        return 2;
    }
    std::fprintf(out, "target %s path %s\n", target->name.c_str(), target->get("path").c_str());
    return 0;
}

int shadow(const kdf::TargetConfig*, int, const char* const*, std::FILE*, std::FILE* err) noexcept {
    std::fprintf(err, "the plugin's check ran instead of the core's\n");
    return 1;
}

const kdf_plugin_command commands[] = {
    {"fixture-hello", "[WORDS...]", "say hello", false, &hello},
    {"fixture-target", "TARGET", "print the target's path", true, &target_info},
    {"check", "", "shadows the core's check", false, &shadow},
};
#else
const kdf_plugin_command commands[] = {
    {"fixture-hello", "[WORDS...]", "say hello too", false, &hello},
};
#endif

}  // namespace

KDF_EXPORT_TRANSPORT(Commands, KDF_TEST_PLUGIN_NAME, "0.0.1")
KDF_EXPORT_PLUGIN_COMMANDS(commands)
