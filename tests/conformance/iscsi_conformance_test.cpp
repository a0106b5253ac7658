// iscsi_conformance_test.cpp - the `iscsi` plugin through the conformance suite, on a LUN of a
// real tgtd on loopback. What landed is read from tgtd's backing file, which holds the LUN's bytes
// (tgtd writes through to it); a frozen tgtd is the broken target.
#include <filesystem>

#include "tests/conformance/raw_device_target.h"
#include "tests/conformance/transport_conformance.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace kdf::conformance {
namespace {

class IscsiLunTarget : public RawDeviceTarget {
public:
    IscsiLunTarget() : tgtd_({{1, 32u << 20}}) {}
    bool ok() const override { return tgtd_.ok(); }
    std::string why() const override { return tgtd_.why(); }
    std::string device() const override { return tgtd_.backing(1); }
    std::string plugin_file() const override { return std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-iscsi.so"; }
    chain::TargetSpec target() const override {
        return target_section("iscsi", {{"portal", tgtd_.portal()}, {"target", kdf_test::kTgtdIqn}, {"lun", "1"}});
    }
    // tgtd reads and writes the backing file directly, so zeroing it zeroes the LUN.
    void before_case() override {
        std::filesystem::resize_file(device(), 0);
        std::filesystem::resize_file(device(), 32u << 20);
    }
    bool break_target(const DumpInfo&) override {
        tgtd_.freeze();
        return true;
    }
    void repair_target() override { tgtd_.thaw(); }

private:
    kdf_test::Tgtd tgtd_;
};

INSTANTIATE_TEST_SUITE_P(iscsi, TransportConformance,
                         ::testing::Values(ConformanceCase{"lun", [] { return std::make_unique<IscsiLunTarget>(); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
