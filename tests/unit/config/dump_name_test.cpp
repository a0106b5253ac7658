// tests/unit/config/dump_name_test.cpp - {host}-{date} dump directory names.
#include "core/config/dump_name.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

namespace kdf::chain {
namespace {

// {date} is local time, as kdumpctl's `date`; pin the zone for the test (the crash kernel runs in UTC
// unless told otherwise).
class DumpName : public ::testing::Test {
protected:
    void SetUp() override {
        const char* tz = getenv("TZ");
        had_tz_ = tz != nullptr;
        if (tz) old_tz_ = tz;
        setenv("TZ", "UTC", 1);
        tzset();
    }
    void TearDown() override {
        if (had_tz_) setenv("TZ", old_tz_.c_str(), 1);
        else unsetenv("TZ");
        tzset();
    }

private:
    bool had_tz_ = false;
    std::string old_tz_;
};

constexpr int64_t t_2026_11_23_190405 = 1795460645;

TEST_F(DumpName, DefaultPatternLooksLikeKdumpctl) {
    EXPECT_EQ(expand_dump_name("{host}-{date}", "node1", t_2026_11_23_190405), "node1-2026-11-23-19:04:05");
    EXPECT_EQ(expand_dump_name("{date}", "node1", 0), "1970-01-01-00:00:00");
}

TEST_F(DumpName, LocalTimeIsUsed) {
    setenv("TZ", "CET-1", 1);
    tzset();
    EXPECT_EQ(expand_dump_name("{date}", "h", t_2026_11_23_190405), "2026-11-23-20:04:05");
}

TEST_F(DumpName, OtherTextIsKeptAndHostStaysOneComponent) {
    EXPECT_EQ(expand_dump_name("crash_{host}.{host}", "a/b", 0), "crash_a_b.a_b");
    EXPECT_EQ(expand_dump_name("fixed", "h", 0), "fixed");
    EXPECT_EQ(expand_dump_name("{other}-{date", "h", 0), "{other}-{date");
}

TEST(DumpNamePattern, Check) {
    EXPECT_EQ(check_dump_name_pattern("{host}-{date}"), "");
    EXPECT_EQ(check_dump_name_pattern("{date}-fallback"), "");
    EXPECT_EQ(check_dump_name_pattern("a/{date}"), "the dump directory name must be one path component (no '/')");
    EXPECT_EQ(check_dump_name_pattern("{hst}"), "unknown placeholder {hst}; only {host} and {date} are known");
    EXPECT_EQ(check_dump_name_pattern("x-{date"), "'{' without a closing '}'");
    EXPECT_EQ(check_dump_name_pattern("x}"), "'}' without a matching '{'");
    EXPECT_EQ(check_dump_name_pattern(".."), "'..' is not a usable directory name");
}

}  // namespace
}  // namespace kdf::chain
