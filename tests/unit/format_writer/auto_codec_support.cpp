#include "tests/unit/format_writer/auto_codec_support.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/format/kdump_reader.h"

namespace kdf::format::test {

namespace {

const std::string kThrottle = std::string(KDF_SOURCE_DIR) + "/tests/unit/format_writer/throttled_reader.py";

}  // namespace

kdump::DiskDumpHeader header_of(const std::string& path) {
    std::vector<std::byte> head(4096);
    std::ifstream f(path, std::ios::binary);
    f.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    auto h = kdump::decode_disk_dump_header(head);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? h.value() : kdump::DiskDumpHeader{};
}

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

void make_lzo_zstd_dump(const kdf::test::TempDir& dir, const std::string& vmcore, std::string* dump, std::string* log,
                        std::map<uint32_t, uint64_t>* counts) {
    const std::string flat = stream_through_slow_sink(dir, vmcore, "", log);
    *dump = dir / "auto.kdump";
    RunResult r = run(q(KDF_CLI) + " reassemble " + q(flat) + " " + q(*dump));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    *counts = pages_per_flag(*dump);
    EXPECT_GT((*counts)[kdump::kCompressedLzo], 500u) << *log;
    EXPECT_GT((*counts)[kdump::kCompressedZstd], 500u) << *log;
}

}  // namespace kdf::format::test
