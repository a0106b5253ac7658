// Flattened format: our stream reassembled by makedumpfile -R and by reassemble_flattened must be
// the very file the kdump writer writes directly; makedumpfile's own stream reassembles too; broken
// streams are refused with the byte offset.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/format/flattened.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

using kdf::test::TempDir;

void write_bytes(const std::string& path, const std::vector<std::byte>& b) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(Flattened, MakedumpfileReassemblesOurStreamIntoTheDirectFile) {
    TempDir dir("kdf-fw");
    struct Case {
        std::string vmcore;
        Codec codec;
        int level;
    };
    std::vector<Case> cases = {{synthetic_fixture(dir), Codec::zlib, 1},
                               {mkvmcore(dir, "g.elf", "8M", 5), Codec::zlib, 1},
                               {dir / "g.elf", Codec::none, 0}};
    for (const Case& c : cases) {
        SCOPED_TRACE(c.vmcore + " level " + std::to_string(c.level));
        auto in = open_input(c.vmcore);
        ASSERT_TRUE(in);
        const std::string direct = dir / "direct.kdump", flat = dir / "out.flat", md = dir / "md.kdump",
                          kdf = dir / "kdf.kdump";
        WriteOptions opt;
        opt.codec = c.codec;
        opt.dump_level = c.level;
        ASSERT_TRUE(write_dump(*in, direct, opt).is_ok());
        opt.format = Format::flat;
        ASSERT_TRUE(write_dump(*in, flat, opt).is_ok());
        std::filesystem::remove(md);
        RunResult r = run(q(makedumpfile()) + " -R " + q(md) + " < " + q(flat));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_TRUE(read_file(md) == read_file(direct)) << "makedumpfile -R differs from the direct file";
        Status s = reassemble_flattened_file(flat, kdf);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
        EXPECT_TRUE(read_file(kdf) == read_file(direct)) << "reassemble_flattened differs from the direct file";
    }
}

TEST(Flattened, ReassemblesMakedumpfilesOwnStream) {
    TempDir dir("kdf-fw");
    const std::string fx = std::string(KDF_SHARED_DIR) + "/fixtures/dump/";
    Status s = reassemble_flattened_file(fx + "synthetic-d1-zlib.flat", dir / "out.kdump");
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    EXPECT_TRUE(read_file(dir / "out.kdump") == read_file(fx + "synthetic-d1-zlib.kdump"));
}

// Each broken stream fails with a message naming what and where, and leaves no output file.
TEST(Flattened, RefusesBrokenStreams) {
    TempDir dir("kdf-fw");
    auto good = read_file(std::string(KDF_SHARED_DIR) + "/fixtures/dump/synthetic-d1-zlib.flat");
    ASSERT_GT(good.size(), 4096u + 16u + 464u);
    auto with = [&](auto edit) {
        auto b = good;
        edit(b);
        return b;
    };
    struct Case {
        const char* name;
        std::vector<std::byte> bytes;
        const char* expect;
    } cases[] = {
        {"empty", {}, "no \"makedumpfile\" signature at byte 0"},
        {"bad signature", with([](auto& b) { b[0] = std::byte{'M'}; }), "no \"makedumpfile\" signature at byte 0"},
        {"short header", with([](auto& b) { b.resize(100); }), "inside the 4096-byte header"},
        {"bad type", with([](auto& b) { b[23] = std::byte{2}; }), "header type 2 at byte 16"},
        {"no end marker", with([](auto& b) { b.resize(b.size() - 16); }), "without the end marker"},
        {"record header cut", with([](auto& b) { b.resize(4096 + 8); }), "record header at byte 4096 cut short"},
        {"record data cut", with([](auto& b) { b.resize(4096 + 16 + 100); }), "record at byte 4096 (464 bytes for offset 0) cut short after 100"},
        {"negative size", with([](auto& b) { std::memset(b.data() + 4096 + 8, 0xff, 8); }), "record at byte 4096 has offset 0 and size -1"},
        {"trailing bytes", with([](auto& b) { b.push_back(std::byte{0}); }), "bytes after the end marker"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string in = dir / "in.flat", out = dir / "out.kdump";
        write_bytes(in, c.bytes);
        Status s = reassemble_flattened_file(in, out);
        ASSERT_FALSE(s.is_ok());
        EXPECT_EQ(s.code(), Code::corrupt);
        EXPECT_NE(s.message().find(c.expect), std::string::npos) << s.to_string();
        EXPECT_EQ(s.to_string().find('\n'), std::string::npos);
        EXPECT_FALSE(std::filesystem::exists(out)) << "a failed reassembly leaves no output";
    }
}

TEST(Flattened, LaterRecordsOverwriteEarlierOnes) {
    TempDir dir("kdf-fw");
    const std::string flat = dir / "x.flat", out = dir / "x.bin";
    {
        std::ofstream f(flat, std::ios::binary);
        FlattenedOutput o([&f](std::span<const std::byte> b) {
            f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
            return Status::ok();
        });
        std::vector<std::byte> a(10, std::byte{'a'}), b(4, std::byte{'b'});
        ASSERT_TRUE(o.write_at(0, a).is_ok());
        ASSERT_TRUE(o.write_at(3, b).is_ok());
        ASSERT_TRUE(o.end().is_ok());
        EXPECT_FALSE(o.write_at(0, a).is_ok()) << "no record after the end marker";
        EXPECT_EQ(o.bytes_appended(), 4096u + 16 + 10 + 16 + 4 + 16);
    }
    ASSERT_TRUE(reassemble_flattened_file(flat, out).is_ok());
    auto got = read_file(out);
    std::string text(reinterpret_cast<const char*>(got.data()), got.size());
    EXPECT_EQ(text, "aaabbbbaaa");
    // makedumpfile agrees.
    std::filesystem::remove(out);
    RunResult r = run(q(makedumpfile()) + " -R " + q(out) + " < " + q(flat));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    got = read_file(out);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), got.size()), "aaabbbbaaa");
}

}  // namespace
}  // namespace kdf::format::test
