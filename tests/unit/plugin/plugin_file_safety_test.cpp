// As root, a plugin is loaded only from a file and a directory that root owns and only root can
// write; anything else is refused, naming the path, before any of the plugin's code runs. These
// tests run as root (the suite does) and copy the real local plugin into directories they make.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/plugin/loader.h"
#include "core/plugin/plugin_commands.h"
#include "core/plugin/plugin_file_safety.h"
#include "core/plugin/raw_volume_plugins.h"
#include "kdf/unique_fd.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using kdf::plugin::check_plugin_file_safety;
using kdf::plugin::load_plugin;
using kdf::plugin::load_plugin_file;

constexpr uid_t kNobody = 65534;

class PluginFileSafety : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_FAIL() << "these tests need root (the suite runs as root)";
        dir_ = fs::path(tmp_.path()) / "plugins";
        fs::create_directory(dir_);
        ::chmod(dir_.c_str(), 0755);
        file_ = dir_ / "kdf-transport-local.so";
        fs::copy_file(fs::path(KDF_PLUGIN_BUILD_DIR) / "kdf-transport-local.so", file_);
        ::chmod(file_.c_str(), 0644);
    }
    std::string refused(const fs::path& file) {
        auto r = load_plugin_file(file.string());
        EXPECT_FALSE(r.is_ok());
        if (r.is_ok()) return "";
        EXPECT_EQ(r.status().stage(), kdf::Stage::load);
        return r.status().message();
    }

    kdf::test::TempDir tmp_{"kdf-plugin-safety"};
    fs::path dir_, file_;
};

TEST_F(PluginFileSafety, RootOwnedAndPrivateLoads) {
    auto r = load_plugin("local", {dir_.string()});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
}

TEST_F(PluginFileSafety, GroupOrWorldWritableFileIsRefusedNamingIt) {
    for (mode_t mode : {0664, 0646}) {
        ::chmod(file_.c_str(), mode);
        const std::string why = refused(file_);
        EXPECT_NE(why.find("file " + file_.string() + " is writable by group or others (mode 0" +
                           (mode == 0664 ? "664" : "646") + ")"),
                  std::string::npos)
            << why;
    }
}

TEST_F(PluginFileSafety, FileNotOwnedByRootIsRefused) {
    ASSERT_EQ(::chown(file_.c_str(), kNobody, 0), 0);
    const std::string why = refused(file_);
    EXPECT_NE(why.find("file " + file_.string() + " is owned by uid 65534"), std::string::npos) << why;
}

TEST_F(PluginFileSafety, WritableOrForeignDirectoryIsRefused) {
    ::chmod(dir_.c_str(), 0777);
    std::string why = refused(file_);
    EXPECT_NE(why.find("directory " + dir_.string() + " is writable by group or others (mode 0777)"), std::string::npos) << why;
    ::chmod(dir_.c_str(), 0755);
    ASSERT_EQ(::chown(dir_.c_str(), kNobody, 0), 0);
    why = refused(file_);
    EXPECT_NE(why.find("directory " + dir_.string() + " is owned by uid 65534"), std::string::npos) << why;
    // Through the search path too: the chain's load names the same path.
    auto r = load_plugin("local", {dir_.string()});
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find(dir_.string()), std::string::npos) << r.status().to_string();
}

// A symlink in a safe directory to a file in an unsafe one: the resolved place counts too.
TEST_F(PluginFileSafety, SymlinkIntoAWritableDirectoryIsRefused) {
    const fs::path open_dir = fs::path(tmp_.path()) / "open";
    fs::create_directory(open_dir);
    ::chmod(open_dir.c_str(), 01777);
    fs::rename(file_, open_dir / "kdf-transport-local.so");
    fs::create_symlink(open_dir / "kdf-transport-local.so", file_);
    const std::string why = refused(file_);
    EXPECT_NE(why.find("directory " + open_dir.string() + " is writable by group or others (mode 1777)"), std::string::npos)
        << why;
}

// Every loader checks, not only the transport loader: plugin commands (`plugins`, a plugin's own
// subcommands) and raw-volume sources (`save iscsi://...`) run plugin code as root just the same.
TEST_F(PluginFileSafety, PluginCommandsRefuseAGroupWritableFile) {
    ::chmod(file_.c_str(), 0664);
    auto r = kdf::plugin::load_plugin_commands(file_.string());
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().stage(), kdf::Stage::load);
    EXPECT_NE(r.status().message().find("file " + file_.string() + " is writable by group or others (mode 0664)"),
              std::string::npos)
        << r.status().to_string();
}

TEST_F(PluginFileSafety, RawVolumeSourcesRefuseAGroupWritableFile) {
    const fs::path iscsi = dir_ / "kdf-transport-iscsi.so";
    fs::copy_file(fs::path(KDF_PLUGIN_BUILD_DIR) / "kdf-transport-iscsi.so", iscsi);
    ::chmod(iscsi.c_str(), 0664);
    // Port 1 on loopback: were the plugin loaded, opening would fail on the connection instead.
    auto r = kdf::plugin::open_plugin_raw_volume("iscsi://127.0.0.1:1/iqn.2026-12.test:none/0", {dir_.string()}, {});
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().message().find("file " + iscsi.string() + " is writable by group or others (mode 0664)"),
              std::string::npos)
        << r.status().to_string();
}

// The file is loaded through its open descriptor; what dlopen says about it still names the file.
TEST_F(PluginFileSafety, LoadErrorsNameThePluginFileNotTheDescriptor) {
    const fs::path junk = dir_ / "kdf-transport-junk.so";
    {
        std::FILE* f = std::fopen(junk.c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fputs("not an ELF file\n", f);
        std::fclose(f);
    }
    ::chmod(junk.c_str(), 0644);
    auto r = load_plugin_file(junk.string());
    ASSERT_FALSE(r.is_ok());
    const std::string why = r.status().to_string();
    EXPECT_NE(why.find("plugin " + junk.string() + ": cannot be loaded: " + junk.string() + ":"), std::string::npos) << why;
    EXPECT_EQ(why.find("/proc/self/fd"), std::string::npos) << why;
}

// The check reads the open descriptor, not the path again: a writable file renamed over the
// plugin's name after it was opened changes nothing about what was checked (and what is loaded).
TEST_F(PluginFileSafety, TheCheckIsOfTheOpenFileNotOfThePathNow) {
    kdf::UniqueFd fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    const fs::path planted = dir_ / "planted.so";
    fs::copy_file(file_, planted);
    ::chmod(planted.c_str(), 0666);
    fs::rename(planted, file_);
    EXPECT_TRUE(kdf::plugin::check_plugin_fd_safety(fd.get(), file_.string(), true).is_ok());
    EXPECT_FALSE(check_plugin_file_safety(file_.string(), true).is_ok());
}

// Not root: only the caller's own files are at stake, nothing is checked.
TEST_F(PluginFileSafety, NotCheckedForOtherUsers) {
    ::chmod(file_.c_str(), 0666);
    EXPECT_TRUE(check_plugin_file_safety(file_.string(), false).is_ok());
    EXPECT_FALSE(check_plugin_file_safety(file_.string(), true).is_ok());
}

}  // namespace
