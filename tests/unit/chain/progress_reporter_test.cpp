#include <gtest/gtest.h>

#include "core/chain/progress_reporter.h"

namespace {

using kdf::chain::ProgressReporter;

TEST(ProgressReporter, FormatsPercentSizeRateAndEta) {
    // 512 MiB of 1024 MiB in 2 s: 268.4 MB/s, 2 s left.
    EXPECT_EQ(ProgressReporter::format(512u << 20, 1024u << 20, 2.0), "50% 512.0/1024.0 MiB at 268.4 MB/s, ETA 0:02");
    EXPECT_EQ(ProgressReporter::format(0, 1024u << 20, 0.0), "0% 0.0/1024.0 MiB at 0.0 MB/s, ETA --:--");
    EXPECT_EQ(ProgressReporter::format(10u << 20, 10u << 20, 1.0), "100% 10.0/10.0 MiB at 10.5 MB/s, ETA 0:00");
}

TEST(ProgressReporter, PrintsPlainLinesWhenNotATerminal) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* out = ::open_memstream(&buf, &len);
    ProgressReporter p(out, false, std::chrono::milliseconds(0));
    p.begin("backup", 100);
    p.update(50);
    p.end();
    std::fclose(out);
    std::string text(buf, len);
    std::free(buf);
    EXPECT_EQ(text.rfind("kdump-failover: backup: 50% ", 0), 0u) << text;
    EXPECT_EQ(text.back(), '\n');
}

// A note (what compress = auto chose) is printed when it comes, with the progress line, and stays
// on the plain lines after it.
TEST(ProgressReporter, PrintsANoteWithTheProgressLine) {
    char* buf = nullptr;
    size_t len = 0;
    std::FILE* out = ::open_memstream(&buf, &len);
    ProgressReporter p(out, false, std::chrono::milliseconds(0));
    p.begin("backup", 100);
    p.note("codec zstd-1, link-bound (sink drains 9.8 MB/s, 2 threads)");
    p.update(60);
    p.end();
    std::fclose(out);
    std::string text(buf, len);
    std::free(buf);
    EXPECT_EQ(text.rfind("kdump-failover: backup: 0% ", 0), 0u) << text;
    EXPECT_NE(text.find("ETA --:--; codec zstd-1, link-bound (sink drains 9.8 MB/s, 2 threads)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("kdump-failover: backup: 60% "), std::string::npos) << text;
    EXPECT_NE(text.find("codec", text.find("60% ")), std::string::npos) << text;
}

}  // namespace
