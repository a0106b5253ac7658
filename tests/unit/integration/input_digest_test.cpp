// The digest written into kdump.conf's block: it must move whenever an input of the crash kernel's
// image does, and only then (an unchanged digest keeps kdump.conf's mtime, so no needless rebuild).
#include "core/integration/input_digest.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace kdf::integration {
namespace {

TEST(InputDigest, SameFilesSameDigestAndAnyByteChangesIt) {
    test::TempDir dir{"kdf-digest"};
    const std::string a = dir.write("a", "alpha\n"), b = dir.write("b", "beta\n");
    const std::string first = input_digest({a, b});
    EXPECT_TRUE(first.starts_with("fnv1a64:")) << first;
    EXPECT_EQ(first.size(), 8u + 16u) << first;
    EXPECT_EQ(input_digest({a, b}), first);
    dir.write("b", "betA\n");
    EXPECT_NE(input_digest({a, b}), first);
}

TEST(InputDigest, AbsentEmptyMovedAndReorderedInputsAllDiffer) {
    test::TempDir dir{"kdf-digest"};
    const std::string a = dir.file("a"), b = dir.write("b", "xy");
    const std::string absent = input_digest({a, b});
    dir.write("a", "");
    const std::string empty = input_digest({a, b});
    EXPECT_NE(absent, empty) << "a key file appearing, even empty, must trigger a rebuild";
    // The same bytes split differently between two files.
    dir.write("a", "x");
    dir.write("b", "y");
    const std::string split1 = input_digest({a, b});
    dir.write("a", "xy");
    dir.write("b", "");
    EXPECT_NE(input_digest({a, b}), split1);
    EXPECT_NE(input_digest({b, a}), input_digest({a, b}));
}

}  // namespace
}  // namespace kdf::integration
