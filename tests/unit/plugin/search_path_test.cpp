#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/plugin/search_path.h"

namespace {

using kdf::plugin::plugin_search_path;

TEST(SearchPath, EnvironmentThenConfigThenBuiltIns) {
    ::setenv("KDF_PLUGIN_PATH", "/env/a:/env/b", 1);
    auto dirs = plugin_search_path({"/conf/c"});
    ::unsetenv("KDF_PLUGIN_PATH");
    ASSERT_GE(dirs.size(), 4u);
    EXPECT_EQ(dirs[0], "/env/a");
    EXPECT_EQ(dirs[1], "/env/b");
    EXPECT_EQ(dirs[2], "/conf/c");
    EXPECT_EQ(dirs[3], KDF_PLUGIN_DIR);
}

TEST(SearchPath, DuplicatesKeepTheirFirstPosition) {
    ::setenv("KDF_PLUGIN_PATH", "/x::/x", 1);
    auto dirs = plugin_search_path({"/x"});
    ::unsetenv("KDF_PLUGIN_PATH");
    EXPECT_EQ(dirs[0], "/x");
    EXPECT_NE(dirs[1], "/x");
}

TEST(SearchPath, FindsPluginsInTheBuildTree) {
    auto files = kdf::plugin::list_plugin_files({KDF_PLUGIN_BUILD_DIR});
    ASSERT_FALSE(files.empty());
    std::vector<std::string> names;
    for (const auto& f : files) names.push_back(f.name);
    // Sorted by name, whichever plugins the build has; the three transports every build has are there.
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    for (const char* expected : {"local", "nfs", "ssh"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    EXPECT_EQ(kdf::plugin::find_plugin_file("local", {"/nonexistent", KDF_PLUGIN_BUILD_DIR}),
              std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-local.so");
    EXPECT_FALSE(kdf::plugin::find_plugin_file("nope", {KDF_PLUGIN_BUILD_DIR}).has_value());
}

}  // namespace
