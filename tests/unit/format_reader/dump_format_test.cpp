// The dump-format table and probe_dump_file(): each fixture is recognised as its own format, a
// recognised but cut-short file is "broken" for that format, and anything else is "not mine" with
// every format's reason.
#include <gtest/gtest.h>

#include <string>

#include "core/format/dump_format.h"
#include "tests/unit/format_reader/reader_fixtures.h"

namespace kdf::format::test {
namespace {

DumpFileProbe probe_ok(const std::string& path) {
    auto p = probe_dump_file(path);
    EXPECT_TRUE(p.is_ok()) << p.status().to_string();
    return p.is_ok() ? std::move(p).value() : DumpFileProbe{};
}

TEST(DumpFormat, OneTableWithTheNamesConfigsUse) {
    EXPECT_EQ(dump_format_names(), (std::vector<std::string>{"kdump", "flat", "elf"}));
    ASSERT_NE(find_dump_format("flat"), nullptr);
    EXPECT_EQ(find_dump_format("flat")->format, DumpFormat::flat);
    EXPECT_TRUE(find_dump_format("flat")->compressed_pages);
    EXPECT_FALSE(dump_format(DumpFormat::elf).compressed_pages);
    EXPECT_EQ(find_dump_format("lz4"), nullptr);  // a codec, not a format
    EXPECT_EQ(find_dump_format("auto"), nullptr);  // a config choice, not a format
}

TEST(DumpFormat, EachFixtureIsItsOwnFormat) {
    TempDir dir("kdf-probe");
    const struct {
        std::string path;
        DumpFormat want;
    } cases[] = {
        {dump_fixture("synthetic-d1-zlib.kdump"), DumpFormat::kdump},
        {dump_fixture("synthetic-d1-lzo.kdump"), DumpFormat::kdump},
        {dump_fixture("synthetic-d1-zlib.flat"), DumpFormat::flat},
        {unxz_fixture(dir, "synthetic.elf"), DumpFormat::elf},
    };
    for (const auto& c : cases) {
        DumpFileProbe p = probe_ok(c.path);
        EXPECT_EQ(p.result, ProbeResult::mine) << c.path << ": " << p.why;
        ASSERT_NE(p.format, nullptr) << c.path;
        EXPECT_EQ(p.format->format, c.want) << c.path;
    }
}

TEST(DumpFormat, ACutShortHeaderIsBrokenNotUnknown) {
    TempDir dir("kdf-probe");
    DumpFileProbe kdump = probe_ok(dir.write("short.kdump", std::string("KDUMP   ") + std::string(40, '\0')));
    EXPECT_EQ(kdump.result, ProbeResult::broken);
    ASSERT_NE(kdump.format, nullptr);
    EXPECT_EQ(kdump.format->format, DumpFormat::kdump);
    EXPECT_FALSE(kdump.why.empty());

    DumpFileProbe flat = probe_ok(dir.write("short.flat", std::string("makedumpfile") + std::string(6, '\0')));
    EXPECT_EQ(flat.result, ProbeResult::broken);
    ASSERT_NE(flat.format, nullptr);
    EXPECT_EQ(flat.format->format, DumpFormat::flat);
}

TEST(DumpFormat, AnythingElseIsNotMineWithEveryReason) {
    TempDir dir("kdf-probe");
    DumpFileProbe p = probe_ok(dir.write("text", "hello, this is not a dump\n"));
    EXPECT_EQ(p.result, ProbeResult::not_mine);
    EXPECT_EQ(p.format, nullptr);
    EXPECT_NE(p.why.find("KDUMP"), std::string::npos) << p.why;
    EXPECT_NE(p.why.find("makedumpfile"), std::string::npos) << p.why;
    EXPECT_NE(p.why.find("ELF"), std::string::npos) << p.why;

    EXPECT_EQ(probe_ok(dir.write("empty", "")).result, ProbeResult::not_mine);
    auto missing = probe_dump_file(dir / "no-such-file");
    ASSERT_FALSE(missing.is_ok());
    EXPECT_NE(missing.status().message().find("no-such-file"), std::string::npos);
}

}  // namespace
}  // namespace kdf::format::test
