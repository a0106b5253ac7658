#include "core/vmcore/vmcoreinfo.h"

#include <gtest/gtest.h>

namespace kdf::vmcore {
namespace {

using namespace std::literals;

TEST(VmcoreInfo, ParsesRealLinesInOrder) {
    auto info = VmcoreInfo::parse(
        "OSRELEASE=6.1.0-56-amd64\nBUILD-ID=eb4fbcd0\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff9320a000\n"
        "OFFSET(page.flags)=0\nSIZE(page)=64\nLENGTH(mem_section)=2048\nNUMBER(phys_base)=-31457280\n"
        "NUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=10600000\nCRASHTIME=1795457359\n\0\0"sv);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    const VmcoreInfo& v = info.value();
    ASSERT_EQ(v.entries().size(), 11u);
    EXPECT_EQ(v.entries()[0].key, "OSRELEASE");
    EXPECT_EQ(v.entries()[10].key, "CRASHTIME");
    EXPECT_EQ(v.osrelease(), "6.1.0-56-amd64");
    EXPECT_EQ(v.get("BUILD-ID"), "eb4fbcd0");
    EXPECT_EQ(v.page_size(), 4096u);
    EXPECT_EQ(v.symbol("init_top_pgt"), 0xffffffff9320a000ULL);
    EXPECT_EQ(v.offset("page.flags"), 0u);
    EXPECT_EQ(v.size("page"), 64u);
    EXPECT_EQ(v.length("mem_section"), 2048u);
    EXPECT_EQ(v.number("phys_base"), -31457280);
    EXPECT_EQ(v.number("pgtable_l5_enabled"), 0);
    EXPECT_EQ(v.kerneloffset(), 0x10600000u);
    EXPECT_EQ(v.crashtime(), 1795457359);
}

TEST(VmcoreInfo, MissingKeysAndBadValuesAreNullopt) {
    auto info = VmcoreInfo::parse("SYMBOL(x)=zz\nNUMBER(y)=12a\nSIZE(page)=-1\nSYMBOL(init)=0x10\n");
    ASSERT_TRUE(info.is_ok());
    EXPECT_FALSE(info->symbol("x").has_value());
    EXPECT_FALSE(info->number("y").has_value());
    EXPECT_FALSE(info->size("page").has_value());
    EXPECT_FALSE(info->get("OSRELEASE").has_value());
    EXPECT_FALSE(info->symbol("init_top_pgt").has_value());
    EXPECT_EQ(info->symbol("init"), 0x10u);
    // SYMBOL(init) must not answer for a longer name sharing its prefix, nor the reverse.
    EXPECT_FALSE(info->symbol("ini").has_value());
}

TEST(VmcoreInfo, FirstOfDuplicateKeysWins) {
    auto info = VmcoreInfo::parse("PAGESIZE=4096\nPAGESIZE=65536\n");
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(info->page_size(), 4096u);
    EXPECT_EQ(info->entries().size(), 2u);
}

TEST(VmcoreInfo, LineWithoutEqualsIsCorruptAndNamed) {
    auto info = VmcoreInfo::parse("PAGESIZE=4096\ngarbage line\n");
    ASSERT_FALSE(info.is_ok());
    EXPECT_EQ(info.status().code(), Code::corrupt);
    EXPECT_EQ(info.status().message(), "VMCOREINFO line 2 is not KEY=VALUE: 'garbage line'");
    EXPECT_FALSE(VmcoreInfo::parse("=value\n").is_ok());
}

TEST(VmcoreInfo, EmptyTextIsEmptyTable) {
    auto info = VmcoreInfo::parse("\0\0\0"sv);
    ASSERT_TRUE(info.is_ok());
    EXPECT_TRUE(info->empty());
}

TEST(VmcoreInfo, ValueParsersRejectJunk) {
    EXPECT_EQ(VmcoreInfo::parse_hex("ffffffff81000000"), 0xffffffff81000000ULL);
    EXPECT_FALSE(VmcoreInfo::parse_hex("").has_value());
    EXPECT_FALSE(VmcoreInfo::parse_hex("1ffffffffffffffff").has_value());  // overflow
    EXPECT_EQ(VmcoreInfo::parse_signed("-5"), -5);
    EXPECT_FALSE(VmcoreInfo::parse_signed("5 ").has_value());
    EXPECT_FALSE(VmcoreInfo::parse_unsigned("-5").has_value());
}

}  // namespace
}  // namespace kdf::vmcore
