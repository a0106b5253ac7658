// nfs_conformance_test.cpp - the `nfs` plugin through the conformance suite against a real
// nfs-ganesha on loopback (NFSv3), read back from the exported directory. Breaking the target
// freezes the server.
#include "tests/conformance/directory_target.h"
#include "tests/conformance/transport_conformance.h"
#include "tests/unit/nfs/ganesha_fixture.h"

namespace kdf::conformance {
namespace {

class NfsTarget : public DirectoryTarget {
public:
    std::string root() const override { return ganesha_.dir_of("/export"); }
    bool ok() const override { return ganesha_.ok(); }
    std::string why() const override { return ganesha_.why(); }
    std::string plugin_file() const override { return std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-nfs.so"; }
    chain::TargetSpec target() const override {
        return target_section("nfs", {{"url", ganesha_.url("/export")}, {"reserve", "1M"}});
    }
    bool break_target(const DumpInfo&) override {
        ganesha_.freeze();
        return true;
    }
    void repair_target() override { ganesha_.thaw(); }

private:
    kdf_test::Ganesha ganesha_{{{"/export", false, ""}}};
};

INSTANTIATE_TEST_SUITE_P(nfs, TransportConformance,
                         ::testing::Values(ConformanceCase{"v3", [] { return std::make_unique<NfsTarget>(); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
