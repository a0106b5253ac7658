// SFTP v3 packet encoding: byte-exact layouts, and malformed answers failing softly.
#include <gtest/gtest.h>

#include "sftp_wire.h"

namespace {

using namespace kdf::ssh::sftp;

std::vector<uint8_t> bytes_of(PacketWriter& w) {
    auto b = w.bytes();
    std::vector<uint8_t> out;
    for (std::byte x : b) out.push_back(std::to_integer<uint8_t>(x));
    return out;
}

TEST(SftpWire, WriteRequestLayout) {
    const std::byte data[3] = {std::byte{0xAA}, std::byte{0xBB}, std::byte{0xCC}};
    PacketWriter w(fxp_write);
    w.u32(7).string("h1").u64(0x0102030405060708ull).string(std::span<const std::byte>(data));
    std::vector<uint8_t> expect = {0, 0, 0, 26,  // length: everything after it
                                   6,             // SSH_FXP_WRITE
                                   0, 0, 0, 7,    // id
                                   0, 0, 0, 2, 'h', '1', 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 3, 0xAA, 0xBB, 0xCC};
    EXPECT_EQ(bytes_of(w), expect);
}

TEST(SftpWire, OpenCarriesPermissionsAttributes) {
    PacketWriter w(fxp_open);
    w.u32(1).string("/x").u32(fxf_write | fxf_creat | fxf_excl).permissions(0600);
    std::vector<uint8_t> v = bytes_of(w);
    ASSERT_EQ(v.size(), 4u + 1 + 4 + 6 + 4 + 8);
    EXPECT_EQ(v[4], 3);
    EXPECT_EQ(v[18], 0x2A);                          // WRITE|CREAT|EXCL
    EXPECT_EQ(v[22], 4);                             // attribute flags: permissions only
    EXPECT_EQ((v[25] << 8) | v[26], 0600);
}

TEST(SftpWire, ReaderDecodesAttributesAndRefusesShortInput) {
    PacketWriter w(fxp_attrs);
    w.u32(attr_size | attr_permissions | attr_acmodtime).u64(12345).u32(040755).u32(1).u32(2);
    auto b = w.bytes();
    PacketReader r(b.subspan(5));
    auto a = read_attributes(r);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->size, 12345u);
    EXPECT_TRUE(a->is_dir());
    EXPECT_EQ(r.left(), 0u);
    for (size_t cut = 0; cut < b.size() - 5; ++cut) {
        PacketReader shortr(b.subspan(5, cut));
        EXPECT_FALSE(read_attributes(shortr)) << "cut at " << cut;
    }
    // A string longer than the packet is refused, not read past the end.
    const std::byte lying[] = {std::byte{0}, std::byte{0}, std::byte{1}, std::byte{0}, std::byte{'x'}};
    PacketReader bad{std::span<const std::byte>(lying)};
    EXPECT_FALSE(bad.string());
}

TEST(SftpWire, StatusTexts) {
    EXPECT_STREQ(status_text(fx_no_such_file), "no such file or directory");
    EXPECT_STREQ(status_text(fx_failure), "failure");
    EXPECT_STREQ(status_text(999), "unknown status");
}

}  // namespace
