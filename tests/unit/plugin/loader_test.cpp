// The loader against real plugins: the local transport, and one fixture per defect, each of which
// must be refused with its own message (tests/plugins/).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/plugin/loader.h"
#include "core/plugin/plugin_sink.h"
#include "kdf/plugin_abi.h"

namespace {

using kdf::plugin::load_plugin;
using kdf::plugin::load_plugin_file;

std::string fixture(const std::string& name) {
    return std::string(KDF_TEST_PLUGIN_DIR) + "/kdf-transport-" + name + ".so";
}

std::string load_error(const std::string& name) {
    auto r = load_plugin_file(fixture(name));
    EXPECT_FALSE(r.is_ok()) << name << " loaded but must be refused";
    if (r.is_ok()) return {};
    EXPECT_EQ(r.status().stage(), kdf::Stage::load);
    return r.status().to_string();
}

TEST(Loader, LoadsTheLocalPlugin) {
    auto r = load_plugin("local", {KDF_PLUGIN_BUILD_DIR});
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    const kdf::Description& d = r->describe();
    EXPECT_EQ(d.name, "local");
    EXPECT_TRUE(kdf::has_cap(d.caps, kdf::TransportCap::positional_write));
    EXPECT_EQ(d.ops, static_cast<uint32_t>(kdf::SinkOp::write_at));
    bool has_path = false;
    for (const auto& o : d.options) has_path |= o.key == "path";
    EXPECT_TRUE(has_path);
}

TEST(Loader, MissingPluginNamesSearchPathAndInstalledOnes) {
    auto r = load_plugin("nfz", {KDF_PLUGIN_BUILD_DIR});
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), kdf::Code::not_found);
    std::string msg = r.status().to_string();
    EXPECT_NE(msg.find("plugin 'nfz' not found in " + std::string(KDF_PLUGIN_BUILD_DIR)), std::string::npos) << msg;
    EXPECT_NE(msg.find("installed: local"), std::string::npos) << msg;
}

TEST(Loader, RefusesAFileThatIsNotALibrary) {
    auto r = load_plugin_file(std::string(KDF_SOURCE_DIR) + "/README.md");
    ASSERT_FALSE(r.is_ok());
    EXPECT_NE(r.status().to_string().find("cannot be loaded"), std::string::npos) << r.status().to_string();
}

TEST(Loader, RefusesNoInfoSymbol) {
    EXPECT_NE(load_error("noinfo").find("is not a kdump-failover transport plugin: it exports no kdf_transport_info symbol"),
              std::string::npos);
}

TEST(Loader, RefusesWrongAbiVersionNamingFileAndBothVersions) {
    std::string msg = load_error("wrongabi");
    std::string want = "plugin " + fixture("wrongabi") + ": built for plugin ABI version " +
                       std::to_string(KDF_TRANSPORT_ABI_VERSION + 41) + ", but this kdump-failover uses ABI version " +
                       std::to_string(KDF_TRANSPORT_ABI_VERSION);
    EXPECT_NE(msg.find(want), std::string::npos) << msg;
}

TEST(Loader, RefusesWrongToolchain) {
    std::string msg = load_error("wrongtoolchain");
    EXPECT_NE(msg.find("built with toolchain 'itanium/libstdc++-7/cxx11abi-0', but this kdump-failover was built with '" KDF_TOOLCHAIN_TAG "'"),
              std::string::npos)
        << msg;
}

TEST(Loader, RefusesCreateReturningNull) {
    EXPECT_NE(load_error("nullcreate").find("create() returned no transport"), std::string::npos);
}

TEST(Loader, ReportsTheExceptionOfAThrowingConstructor) {
    std::string msg = load_error("throwcreate");
    EXPECT_NE(msg.find("create() failed: "), std::string::npos) << msg;
    EXPECT_NE(msg.find("cannot read /etc/throwcreate.key"), std::string::npos) << msg;
}

TEST(Loader, RefusesBothWriteModes) {
    EXPECT_NE(load_error("bothmodes").find("declares both write_at and append"), std::string::npos);
}

TEST(Loader, RefusesANameThatDoesNotMatchTheFile) {
    EXPECT_NE(load_error("misnamed").find("calls itself 'nfs', but its file name says 'misnamed'"), std::string::npos);
}

TEST(Loader, EachDefectHasItsOwnMessage) {
    std::vector<std::string> seen;
    for (const char* name : {"noinfo", "wrongabi", "wrongtoolchain", "nullcreate", "throwcreate", "bothmodes", "misnamed"}) {
        std::string msg = load_error(name);
        // Strip the file name so only the reason is compared.
        msg = msg.substr(msg.find(".so: ") + 5);
        for (const auto& other : seen) EXPECT_NE(msg, other);
        seen.push_back(msg);
    }
}

// Rule 2 of STYLE.md: the library stays loaded while anything it made lives; dropping the handles in
// any order must be safe (run under ASan in CI; plugins are built with -fno-gnu-unique, so a
// premature unload would really unmap the code).
TEST(Loader, ObjectsKeepTheirLibraryLoadedWhateverTheOrderHandlesAreDropped) {
    kdf::DumpInfo info;
    info.dir_name = "lifetime";
    info.final_name = "vmcore";
    kdf::TargetConfig target;
    target.name = "t";
    target.type = "hang";
    target.options["path"] = {"/tmp", ""};
    target.options["hang_in"] = {"never", ""};
    for (int order = 0; order < 2; ++order) {
        std::unique_ptr<kdf::plugin::PluginSink> sink;
        std::string description_name;
        {
            auto loaded = load_plugin_file(fixture("hang"));
            ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
            auto opened = loaded->transport->open(target, info, kdf::CallOptions{});
            ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
            sink = std::make_unique<kdf::plugin::PluginSink>(loaded->transport, std::move(opened).value());
            if (order == 1) loaded = kdf::Status::error(kdf::Code::system, "drop the loader's handle first");
        }
        // The LoadedPlugin is gone; the sink still works because it holds the Transport.
        std::vector<std::byte> data(16, std::byte{7});
        EXPECT_TRUE((*sink)->write_at(0, data, kdf::CallOptions{}).is_ok());
        EXPECT_EQ((*sink)->location(), "/tmp/lifetime-hang");
        EXPECT_TRUE((*sink)->commit(kdf::CallOptions{}).is_ok());
        sink.reset();
        ::unlink("/tmp/lifetime-hang");
    }
}

}  // namespace
