// BackgroundSync (kdf/background_sync.h): the helper thread's fdatasync errors must reach the
// commit, because the kernel reports a writeback error only once per open file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/format/file_output.h"
#include "kdf/background_sync.h"
#include "kdf/unique_fd.h"
#include "tests/support/temp_dir.h"

namespace kdf {
namespace {

TEST(BackgroundSync, AnErrorOfTheHelpersFdatasyncIsReturnedByFinish) {
    // A descriptor that is closed under the helper: its fdatasync fails with EBADF. A high number
    // keeps anything else this process opens meanwhile from taking it.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[1]);
    const int fd = ::dup2(fds[0], 900);
    ASSERT_EQ(fd, 900);
    ::close(fds[0]);
    BackgroundSync sync(fd, 4096);
    ::close(fd);
    sync.wrote(4096);  // one fdatasync asked for: it runs even if finish() comes first
    Status s = sync.finish();
    ASSERT_FALSE(s.is_ok());
    EXPECT_NE(s.message().find("writeback (background fdatasync) failed"), std::string::npos) << s.message();
    EXPECT_EQ(s.sys_errno(), EBADF);
    EXPECT_TRUE(sync.finish().is_ok()) << "finish() twice is harmless";
}

TEST(BackgroundSync, AFileThatCannotBeSyncedIsLeftToTheCommitsFsync) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    BackgroundSync sync(read_end.get(), 1);
    sync.wrote(1);  // fdatasync on a pipe: EINVAL, which is not a writeback error
    EXPECT_TRUE(sync.finish().is_ok());
}

TEST(BackgroundSync, FileOutputWritesManyStepsAndSyncs) {
    test::TempDir dir("kdf-bgsync");
    auto out = format::FileOutput::create(dir / "dump");
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    std::vector<std::byte> chunk(1 << 20, std::byte{0x5a});
    const uint64_t steps = 3;
    const uint64_t total = steps * BackgroundSync::kDefaultStep + 12345;
    for (uint64_t at = 0; at < total; at += chunk.size()) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), total - at));
        ASSERT_TRUE(out.value().write_at(at, std::span(chunk).first(n)).is_ok());
    }
    ASSERT_TRUE(out.value().sync().is_ok());
    struct stat st {};
    ASSERT_EQ(::stat((dir / "dump").c_str(), &st), 0);
    EXPECT_EQ(static_cast<uint64_t>(st.st_size), total);
}

}  // namespace
}  // namespace kdf
