// The loader against real plugins: the local transport, and one fixture per defect, each of which
// must be refused with its own message (tests/plugins/).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
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
    const auto installed = msg.find("installed: ");
    ASSERT_NE(installed, std::string::npos) << msg;
    EXPECT_NE(msg.find("local", installed), std::string::npos) << msg;
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

// The library stays loaded while anything it made lives; dropping the handles in either order must
// be safe (the test carries the asan label; plugins are built with -fno-gnu-unique, so a premature
// unload really unmaps the code), and once every handle is gone the library is really unloaded.
bool library_mapped(const std::string& file) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line))
        if (line.ends_with(file)) return true;
    return false;
}

kdf::TargetConfig hang_target() {
    kdf::TargetConfig target;
    target.name = "t";
    target.type = "hang";
    target.options["path"] = {"/tmp", ""};
    target.options["hang_in"] = {"never", ""};
    return target;
}

kdf::DumpInfo dump_named(const std::string& dir_name) {
    kdf::DumpInfo info;
    info.dir_name = dir_name;
    info.final_name = "vmcore";
    return info;
}

TEST(Loader, ObjectsKeepTheirLibraryLoadedWhateverTheOrderHandlesAreDropped) {
    ASSERT_FALSE(library_mapped(fixture("hang")));
    for (bool loader_first : {true, false}) {
        SCOPED_TRACE(loader_first ? "the loader's handle dropped first" : "the sink dropped first");
        auto loaded = load_plugin_file(fixture("hang"));
        ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
        auto opened = loaded->transport->open(hang_target(), dump_named("lifetime"), kdf::CallOptions{});
        ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
        auto sink = std::make_unique<kdf::plugin::PluginSink>(loaded->transport, std::move(opened).value());
        if (loader_first) {
            loaded = kdf::Status::error(kdf::Code::system, "drop the loader's handle first");
            EXPECT_TRUE(library_mapped(fixture("hang")));  // the sink still holds it
        }
        std::vector<std::byte> data(16, std::byte{7});
        EXPECT_TRUE((*sink)->write_at(0, data, kdf::CallOptions{}).is_ok());
        EXPECT_EQ((*sink)->location(), "/tmp/lifetime-hang");
        EXPECT_TRUE((*sink)->commit(kdf::CallOptions{}).is_ok());
        sink.reset();
        if (!loader_first) {
            // The Transport outlives its Sink and still works.
            ASSERT_TRUE(loaded.is_ok());
            EXPECT_EQ(loaded->describe().name, "hang");
            EXPECT_TRUE(library_mapped(fixture("hang")));
            loaded = kdf::Status::error(kdf::Code::system, "drop the loader's handle last");
        }
        EXPECT_FALSE(library_mapped(fixture("hang")));
        ::unlink("/tmp/lifetime-hang");
    }
}

// Moving a PluginSink over another releases the old Sink before the old Transport: with the
// defaulted member-wise assignment the old library would be unloaded under the old Sink.
TEST(Loader, MoveAssigningAPluginSinkDestroysTheOldSinkBeforeItsLibrary) {
    std::string dir = ::testing::TempDir() + "kdf-move-XXXXXX";
    ASSERT_NE(::mkdtemp(dir.data()), nullptr);
    std::optional<kdf::plugin::PluginSink> kept;
    {
        auto hang = load_plugin_file(fixture("hang"));
        ASSERT_TRUE(hang.is_ok()) << hang.status().to_string();
        auto first = hang->transport->open(hang_target(), dump_named("move-old"), kdf::CallOptions{});
        ASSERT_TRUE(first.is_ok()) << first.status().to_string();
        kept.emplace(hang->transport, std::move(first).value());
    }
    ASSERT_TRUE(library_mapped(fixture("hang")));
    {
        auto local = load_plugin("local", {KDF_PLUGIN_BUILD_DIR});
        ASSERT_TRUE(local.is_ok()) << local.status().to_string();
        kdf::TargetConfig target;
        target.name = "l";
        target.type = "local";
        for (const auto& o : local->describe().options)
            if (!o.default_value.empty()) target.options[o.key] = {o.default_value, ""};
        target.options["path"] = {dir, ""};
        auto second = local->transport->open(target, dump_named("move-new"), kdf::CallOptions{});
        ASSERT_TRUE(second.is_ok()) << second.status().to_string();
        *kept = kdf::plugin::PluginSink(local->transport, std::move(second).value());
    }
    // The hang library went with its last Sink; the local one is still held by `kept`.
    EXPECT_FALSE(library_mapped(fixture("hang")));
    EXPECT_TRUE((*kept)->abort(kdf::CallOptions{}).is_ok());
    kept.reset();
    ::unlink("/tmp/move-old-hang");
    std::filesystem::remove_all(dir);
}

}  // namespace
