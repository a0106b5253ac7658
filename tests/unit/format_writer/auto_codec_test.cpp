// `compress = auto` dumps mix codecs page by page: the real 6.1 vmcore is streamed (`collect --auto
// -F`) into a sink that is fast at first and then slow, so the chooser moves from lzo to a stronger
// codec during the dump. The mixed files are read back by independent readers: libkdumpfile (every
// codec), Debian's makedumpfile 1.7.2 (zlib and lzo only: it has no zstd), which reassembles the
// stream and decodes every page to rewrite the dump.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/format/kdump_header.h"
#include "core/format/kdump_reader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

namespace kd = kdf::format::kdump;

const std::string kThrottle = std::string(KDF_SOURCE_DIR) + "/tests/unit/format_writer/throttled_reader.py";

kd::DiskDumpHeader header_of(const std::string& path) {
    std::vector<std::byte> head(4096);
    std::ifstream f(path, std::ios::binary);
    f.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    auto h = kd::decode_disk_dump_header(head);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? h.value() : kd::DiskDumpHeader{};
}

// Pages per page_desc flag value, as our reader sees the descriptors.
std::map<uint32_t, uint64_t> pages_per_flag(const std::string& dump) {
    std::map<uint32_t, uint64_t> count;
    auto reader = KdumpReader::open(dump);
    if (!reader.is_ok()) {
        ADD_FAILURE() << reader.status().to_string();
        return count;
    }
    for (uint64_t i = 0; i < reader->num_dumpable(); ++i) {
        auto d = reader->descriptor_at(i);
        if (!d.is_ok()) {
            ADD_FAILURE() << d.status().to_string();
            break;
        }
        count[d->flags]++;
    }
    return count;
}

// Sampled pfns the level-31 dump kept (the others read as "no data", rightly).
std::vector<uint64_t> dumped_sample(const Input& in, const std::string& dump, unsigned seed) {
    std::vector<uint64_t> kept;
    auto reader = KdumpReader::open(dump);
    if (!reader.is_ok()) {
        ADD_FAILURE() << reader.status().to_string();
        return kept;
    }
    for (uint64_t pfn : sample_pfns(in.pages, 4000, seed)) {
        auto d = reader->is_dumped(pfn);
        if (d.is_ok() && d.value()) kept.push_back(pfn);
    }
    EXPECT_GT(kept.size(), 200u);
    return kept;
}

// Streams the level-31 dump through the throttled sink (4 MB fast, then 8 MB/s) and returns the
// flattened stream's path; `collect`'s stderr (its codec notes) goes to `log`.
std::string stream_through_slow_sink(const kdf::test::TempDir& dir, const std::string& vmcore, const std::string& extra,
                                     std::string* log) {
    const std::string flat = dir / "auto.flat", notes = dir / "collect.log";
    RunResult r = run("bash -c " + q("set -o pipefail; " + q(KDF_CLI) + " collect --auto " + extra +
                                     " -F -d 31 --message-level 1 " + q(vmcore) + " 2>" + q(notes) + " | " +
                                     q(kThrottle) + " " + q(flat) + " 4 8"));
    const std::vector<std::byte> text = read_file(notes);
    log->assign(reinterpret_cast<const char*>(text.data()), text.size());
    EXPECT_EQ(r.exit_code, 0) << r.output << *log;
    EXPECT_NE(log->find(", link-bound (sink drains"), std::string::npos) << *log;
    EXPECT_NE(log->find("pages per codec: lzo "), std::string::npos) << *log;
    return flat;
}

TEST(AutoCodec, MixedLzoAndZstdDumpReadsBackInLibkdumpfile) {
    kdf::test::TempDir dir("kdf-auto");
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    std::string log;
    const std::string flat = stream_through_slow_sink(dir, in->core.path(), "", &log);
    const std::string dump = dir / "auto.kdump";
    RunResult r = run(q(KDF_CLI) + " reassemble " + q(flat) + " " + q(dump));
    ASSERT_EQ(r.exit_code, 0) << r.output;

    auto counts = pages_per_flag(dump);
    EXPECT_GT(counts[kd::kCompressedLzo], 500u) << log;
    EXPECT_GT(counts[kd::kCompressedZstd], 500u) << log;
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
