// `compress = auto` dumps mix codecs page by page: the real 6.1 vmcore is streamed (`collect --auto
// -F`) into a sink that is fast at first and then slow, so the chooser moves from lzo to a stronger
// codec during the dump. The mixed files are read back by independent readers: libkdumpfile (every
// codec) and Debian's makedumpfile 1.7.2 (zlib and lzo only: it has no zstd), which reassembles the
// stream and decodes every page to rewrite the dump. crash reads one in auto_codec_crash_test.cpp.
#include <gtest/gtest.h>

#include "core/format/kdump_header.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/format_writer/auto_codec_support.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

namespace kd = kdf::format::kdump;

TEST(AutoCodec, MixedLzoAndZstdDumpReadsBackInLibkdumpfile) {
    kdf::test::TempDir dir("kdf-auto");
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    std::string dump, log;
    std::map<uint32_t, uint64_t> counts;
    ASSERT_NO_FATAL_FAILURE(make_lzo_zstd_dump(dir, in->core.path(), &dump, &log, &counts));
    for (const auto& [flag, n] : counts)
        EXPECT_TRUE(flag == 0 || flag == kd::kCompressedLzo || flag == kd::kCompressedZstd) << "flag " << flag << ": " << n;
    // The header names every codec the pages use.
    EXPECT_EQ(header_of(dump).status, kd::kCompressedLzo | kd::kCompressedZstd);
    EXPECT_EQ(compare_with_kdumpfile(*in, dump, dumped_sample(*in, dump, 20), false, "diskdump"), 0u);
}

TEST(AutoCodec, MixedLzoAndZlibDumpReadsBackInMakedumpfile) {
    kdf::test::TempDir dir("kdf-auto");
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    std::string log;
    const std::string flat = stream_through_slow_sink(dir, in->core.path(), "--readers makedumpfile-1.7.2", &log);
    EXPECT_EQ(log.find("zstd"), std::string::npos) << "the 1.7.2 ladder has no zstd: " << log;

    // makedumpfile reassembles our stream, then decodes every page to write an uncompressed copy.
    const std::string dump = dir / "auto.kdump", plain = dir / "plain.kdump";
    RunResult r = run(q(makedumpfile()) + " -R " + q(dump) + " < " + q(flat));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto counts = pages_per_flag(dump);
    EXPECT_GT(counts[kd::kCompressedLzo], 500u) << log;
    EXPECT_GT(counts[kd::kCompressedZlib], 500u) << log;
    EXPECT_EQ(counts.count(kd::kCompressedZstd), 0u);
    r = run(q(makedumpfile()) + " -d 31 " + q(dump) + " " + q(plain));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(header_of(plain).status, 0u);
    EXPECT_EQ(compare_with_kdumpfile(*in, plain, dumped_sample(*in, plain, 21), false, "diskdump"), 0u);
    // And libkdumpfile reads the mixed file itself.
    EXPECT_EQ(compare_with_kdumpfile(*in, dump, dumped_sample(*in, dump, 22), false, "diskdump"), 0u);
}

}  // namespace
}  // namespace kdf::format::test
