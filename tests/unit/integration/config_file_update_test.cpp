#include "core/integration/config_file_update.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "test_files.h"
#include "tests/support/temp_dir.h"

namespace kdf::integration {
namespace {

mode_t mode_of(const std::string& path) {
    struct stat st{};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

TEST(ConfigFileUpdate, BackupIsWrittenOnceBeforeTheFirstChange) {
    test::TempDir dir("kdf-integ");
    const std::string path = dir.write("kdump.conf", "path /var/crash\n");
    ::chmod(path.c_str(), 0640);

    auto same = update_config_file(path, "path /var/crash\n", "path /var/crash\n");
    ASSERT_TRUE(same.is_ok());
    EXPECT_FALSE(same->changed);
    EXPECT_FALSE(std::filesystem::exists(path + kBackupSuffix)) << "no change, so no backup";

    auto first = update_config_file(path, "path /var/crash\n", "path /var/crash\nA\n");
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    EXPECT_TRUE(first->changed);
    EXPECT_TRUE(first->backup_written);
    EXPECT_EQ(test::read_file(path), "path /var/crash\nA\n");
    EXPECT_EQ(test::read_file(path + kBackupSuffix), "path /var/crash\n");
    EXPECT_EQ(mode_of(path), 0640u);
    EXPECT_EQ(mode_of(path + kBackupSuffix), 0640u);

    // A later change keeps the first backup: it is the state before kdump-failover touched the file.
    auto second = update_config_file(path, "path /var/crash\nA\n", "path /var/crash\nB\n");
    ASSERT_TRUE(second.is_ok());
    EXPECT_TRUE(second->changed);
    EXPECT_FALSE(second->backup_written);
    EXPECT_EQ(test::read_file(path + kBackupSuffix), "path /var/crash\n");
    EXPECT_EQ(test::read_file(path), "path /var/crash\nB\n");
    EXPECT_FALSE(std::filesystem::exists(path + ".kdump-failover.tmp"));
}

TEST(ConfigFileUpdate, MissingFileIsAnError) {
    test::TempDir dir("kdf-integ");
    auto r = update_config_file(dir / "absent.conf", "", "x\n");
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().to_string().find("absent.conf"), std::string::npos);
}

}  // namespace
}  // namespace kdf::integration
