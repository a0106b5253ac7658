// crash reads a compress = auto dump: the real 6.1 vmcore streamed (`collect --auto -F`, level 31)
// into a sink that slows down, so its pages mix lzo and zstd, opened by crash as a kernel engineer
// runs it (`crash -s` with the kernel's debug vmlinux, through tests/readers/crash_facts.py): the
// panic, the panicking task's backtrace, the tasks, and the kernel log ending as makedumpfile reads
// it from the raw vmcore. Its own binary, labelled `readers`: crash takes most of a minute on a
// loaded machine.
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/unit/format_writer/auto_codec_support.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

TEST(AutoCodecCrash, MixedLzoAndZstdDumpOpensInCrash) {
    kdf::test::TempDir dir("kdf-auto-crash");
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    std::string dump, log;
    std::map<uint32_t, uint64_t> counts;
    ASSERT_NO_FATAL_FAILURE(make_lzo_zstd_dump(dir, in->core.path(), &dump, &log, &counts));

    RunResult r = run("/usr/bin/python3 " + q(std::string(KDF_SOURCE_DIR) + "/tests/readers/crash_facts.py") + " " +
                      q(KDF_FIXTURE_VMLINUX) + " " + q(dump) + " " + q(dir / "crash"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("sys release: 6.1.0-"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("MISSING"), std::string::npos) << r.output;
    const std::string raw_log = dir / "raw-dmesg.txt";
    RunResult d = run(q(makedumpfile()) + " --dump-dmesg " + q(in->core.path()) + " " + q(raw_log));
    ASSERT_EQ(d.exit_code, 0) << d.output;
    const std::vector<std::byte> bytes = read_file(raw_log);
    std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    while (!text.empty() && text.back() == '\n') text.pop_back();
    std::string last = text.substr(text.rfind('\n') + 1);
    last = last.substr(last.find(']') + 1);
    last.erase(0, last.find_first_not_of(' '));
    EXPECT_NE(r.output.find("log last: " + last), std::string::npos) << "raw vmcore's last line: " << last << "\n" << r.output;
}

}  // namespace
}  // namespace kdf::format::test
