// tests/unit/config/target_validation_test.cpp - a target section against a plugin's option schema.
#include "core/config/target_validation.h"

#include <gtest/gtest.h>

#include "config_test_support.h"

namespace kdf::chain::test {
namespace {

// A hand-built schema shaped like the local plugin's.
kdf::Description local_plugin() {
    kdf::Description d;
    d.name = "local";
    d.version = "1.0";
    d.options = {
        {"path", kdf::OptionType::path, true, "", "directory the dump directories are created in", ""},
        {"mount_point", kdf::OptionType::path, false, "", "this directory must be a mount point", ""},
        {"min_free", kdf::OptionType::size, false, "0", "space to leave free", ""},
        {"mode", kdf::OptionType::choice, false, "dir", "dir or raw device", "dir|raw"},
        {"sync", kdf::OptionType::boolean, false, "yes", "fsync before commit", ""},
        {"retries", kdf::OptionType::integer, false, "", "attempts per write", ""},
        {"pause", kdf::OptionType::duration, false, "", "wait between retries", ""},
        {"label", kdf::OptionType::string, false, "", "free text", ""},
    };
    return d;
}

TargetSpec spec_with(std::map<std::string, kdf::OptionValue> options) {
    TargetSpec t;
    t.name = "primary";
    t.type = "local";
    t.where = "/etc/kdf.conf:4";
    t.plugin_options = std::move(options);
    return t;
}

TEST(ValidateTarget, DefaultsAppliedAndValuesKeepTheirLine) {
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({{"path", {"/var/crash", "/etc/kdf.conf:6"}},
                                             {"min_free", {"2G", "/etc/kdf.conf:7"}},
                                             {"mode", {"raw", "/etc/kdf.conf:8"}},
                                             {"retries", {"-3", "/etc/kdf.conf:9"}},
                                             {"pause", {"250ms", "/etc/kdf.conf:10"}},
                                             {"label", {"any text at all", "/etc/kdf.conf:11"}}}),
                                  local_plugin(), out);
    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_EQ(out.name, "primary");
    EXPECT_EQ(out.type, "local");
    EXPECT_EQ(out.where, "/etc/kdf.conf:4");
    EXPECT_EQ(out.get("path"), "/var/crash");
    EXPECT_EQ(out.where_of("path"), "/etc/kdf.conf:6");
    EXPECT_EQ(out.get("min_free"), "2G");
    EXPECT_EQ(out.get("mode"), "raw");
    EXPECT_EQ(out.get("sync"), "yes");                       // default
    EXPECT_EQ(out.find("sync")->where, "");                  // defaults have no line
    EXPECT_EQ(out.where_of("sync"), "/etc/kdf.conf:4");      // ... so they point at the section
    EXPECT_EQ(out.find("mount_point"), nullptr);             // no default, not set
    EXPECT_EQ(out.options.size(), 7u);
}

TEST(ValidateTarget, UnknownOptionSuggestsNearest) {
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({{"pth", {"/var/crash", "/etc/kdf.conf:6"}}}), local_plugin(), out);
    EXPECT_EQ(errors, (std::vector<std::string>{
                          "/etc/kdf.conf:6: target 'primary': unknown option 'pth' for plugin 'local'; did you mean 'path'?",
                          "/etc/kdf.conf:4: target 'primary': missing required option 'path' (plugin 'local': "
                          "directory the dump directories are created in)"}));
    EXPECT_TRUE(out.name.empty());  // untouched on error
}

TEST(ValidateTarget, UnknownOptionWithoutSuggestionListsOptions) {
    kdf::TargetConfig out;
    // (Not 'compression': the chain's own per-target key 'compress' is near it, and is suggested.)
    auto errors = validate_target(spec_with({{"path", {"/a", "f:6"}}, {"encryption", {"x", "f:7"}}}), local_plugin(), out);
    EXPECT_EQ(errors, std::vector<std::string>{"f:7: target 'primary': unknown option 'encryption' for plugin 'local' "
                                               "(options: path, mount_point, min_free, mode, sync, retries, pause, label)"});
}

TEST(ValidateTarget, MisspeltHostKeyIsSuggested) {
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({{"path", {"/a", "f:6"}}, {"stal_timeout", {"5s", "f:7"}}}), local_plugin(), out);
    EXPECT_EQ(errors, std::vector<std::string>{
                          "f:7: target 'primary': unknown option 'stal_timeout' for plugin 'local'; did you mean 'stall_timeout'?"});
}

TEST(ValidateTarget, WrongTypesNameTheAcceptedForm) {
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({{"path", {"var/crash", "f:6"}},
                                             {"min_free", {"10X", "f:7"}},
                                             {"mode", {"tape", "f:8"}},
                                             {"sync", {"maybe", "f:9"}},
                                             {"retries", {"three", "f:10"}},
                                             {"pause", {"a while", "f:11"}}}),
                                  local_plugin(), out);
    // std::map order: min_free, mode, path, pause, retries, sync
    EXPECT_EQ(errors, (std::vector<std::string>{
                          "f:7: target 'primary': min_free = 10X: expected a size such as 512M, 10G or 4096 (bytes)",
                          "f:8: target 'primary': mode = tape: expected one of dir, raw",
                          "f:6: target 'primary': path = var/crash: expected an absolute path such as /var/crash",
                          "f:11: target 'primary': pause = a while: expected a duration such as 30s, 5m or none",
                          "f:10: target 'primary': retries = three: expected an integer",
                          "f:9: target 'primary': sync = maybe: expected yes or no"}));
}

TEST(ValidateTarget, MissingRequiredOption) {
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({}), local_plugin(), out);
    EXPECT_EQ(errors, std::vector<std::string>{"/etc/kdf.conf:4: target 'primary': missing required option 'path' "
                                               "(plugin 'local': directory the dump directories are created in)"});
}

TEST(ValidateTarget, PluginWithoutOptions) {
    kdf::Description d;
    d.name = "null";
    kdf::TargetConfig out;
    auto errors = validate_target(spec_with({{"path", {"/a", "f:6"}}}), d, out);
    EXPECT_EQ(errors, std::vector<std::string>{"f:6: target 'primary': unknown option 'path' for plugin 'null' (it takes no options)"});
}

TEST(ValidateTarget, ParsedConfigThroughSchema) {
    // The loader and the schema check together, with the real file's lines.
    ConfigFile f("[chain]\ntargets = primary\n[target primary]\ntype = local\npath = /mnt/crash\nmountpoint = /mnt/crash\n");
    ASSERT_TRUE(f.result().config);
    kdf::TargetConfig out;
    auto errors = validate_target(f.result().config->targets.at(0), local_plugin(), out);
    EXPECT_EQ(errors, f.expand({"{F}:6: target 'primary': unknown option 'mountpoint' for plugin 'local'; did you "
                                "mean 'mount_point'?"}));
}

}  // namespace
}  // namespace kdf::chain::test
