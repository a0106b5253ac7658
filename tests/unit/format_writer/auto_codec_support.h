// auto_codec_support.h - helpers of the compress = auto read-back tests: a mixed-codec dump of a
// real vmcore made through a sink that slows down, and what its descriptors and header say.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/format/kdump_header.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {

// Block 0's header of a kdump-compressed file (ADD_FAILUREs on a bad one).
kdump::DiskDumpHeader header_of(const std::string& path);

// Pages per page_desc flag value, as our reader sees the descriptors.
std::map<uint32_t, uint64_t> pages_per_flag(const std::string& dump);

// Sampled pfns the dump kept (at level 31 the others read as "no data", rightly).
std::vector<uint64_t> dumped_sample(const Input& in, const std::string& dump, unsigned seed);

// `collect --auto EXTRA -F -d 31` of `vmcore` into a sink that takes 4 MB at once and then 8 MB/s
// (throttled_reader.py), so the codec moves during the dump. Returns the flattened stream's path
// in `dir`; `log` gets collect's stderr (its codec notes and pages per codec), which must show a
// link-bound choice.
std::string stream_through_slow_sink(const kdf::test::TempDir& dir, const std::string& vmcore, const std::string& extra,
                                     std::string* log);

// The dump both lzo+zstd tests start from: `vmcore` streamed through the slow sink with the
// default ladder, then reassembled into DIR/auto.kdump by `kdump-failover reassemble`. Fails the
// test (fatally: call through ASSERT_NO_FATAL_FAILURE) when a step fails or when the pages do not
// mix lzo and zstd, at least 500 of each. `log` gets collect's notes, `counts` the pages per flag.
void make_lzo_zstd_dump(const kdf::test::TempDir& dir, const std::string& vmcore, std::string* dump, std::string* log,
                        std::map<uint32_t, uint64_t>* counts);

}  // namespace kdf::format::test
