// local_conformance_test.cpp - the `local` plugin through the conformance suite: mode dir on a temp
// directory, and mode raw on a regular file standing in for the block device (the plugin accepts
// one, so the same header and data layout is checked without a spare disk).
#include <filesystem>

#include "tests/conformance/directory_target.h"
#include "tests/conformance/raw_device_target.h"
#include "tests/conformance/transport_conformance.h"
#include "tests/support/temp_dir.h"

namespace kdf::conformance {
namespace {

const std::string local_plugin = std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-local.so";

class LocalDirTarget : public DirectoryTarget {
public:
    std::string root() const override { return tmp_.path(); }
    std::string plugin_file() const override { return local_plugin; }
    chain::TargetSpec target() const override {
        return target_section("local", {{"path", root()}, {"reserve", "1M"}});
    }
    // The dump directory removed under the open dump: the rename at commit() has nothing to rename.
    bool break_target(const DumpInfo& dump) override {
        std::error_code ec;
        std::filesystem::remove_all(dump_dir(dump), ec);
        return !ec;
    }

private:
    test::TempDir tmp_{"kdf-conformance-local"};
};

class LocalRawTarget : public RawDeviceTarget {
public:
    LocalRawTarget() { std::filesystem::resize_file(tmp_.write("lun0", ""), 16u << 20); }
    std::string device() const override { return tmp_.file("lun0"); }
    std::string plugin_file() const override { return local_plugin; }
    chain::TargetSpec target() const override { return target_section("local", {{"mode", "raw"}, {"device", device()}}); }

private:
    test::TempDir tmp_{"kdf-conformance-raw"};
};

INSTANTIATE_TEST_SUITE_P(local_dir, TransportConformance,
                         ::testing::Values(ConformanceCase{"dir", [] { return std::make_unique<LocalDirTarget>(); }}),
                         conformance_case_name);
INSTANTIATE_TEST_SUITE_P(local_raw, TransportConformance,
                         ::testing::Values(ConformanceCase{"raw", [] { return std::make_unique<LocalRawTarget>(); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
