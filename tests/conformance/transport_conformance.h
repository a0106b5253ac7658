// transport_conformance.h - the capability conformance suite for transport plugins.
//
// Any plugin, ours or a third party's, is run through it with one INSTANTIATE_TEST_SUITE_P per
// configuration (docs/plugins/conformance.md):
//
//   INSTANTIATE_TEST_SUITE_P(myplugin, TransportConformance,
//       ::testing::Values(ConformanceCase{"myplugin", [] { return std::make_unique<MyTarget>(); }}),
//       conformance_case_name);
//
// Each instantiation makes its ConformanceTarget (and so starts its server) once, before its first
// case, and drops it after its last. Every case checks one declared contract against the real
// target and skips, saying so, when the plugin does not declare it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "core/plugin/loader.h"
#include "core/plugin/plugin_sink.h"
#include "tests/conformance/conformance_target.h"

namespace kdf::conformance {

inline std::string conformance_case_name(const ::testing::TestParamInfo<ConformanceCase>& info) {
    return info.param.name;
}

class TransportConformance : public ::testing::TestWithParam<ConformanceCase> {
protected:
    void SetUp() override;
    static void TearDownTestSuite();

    ConformanceTarget& target() { return *target_; }
    Transport& transport() { return *plugin_->transport; }
    // The capabilities this target offers: what the suite checks.
    uint32_t caps() const;
    bool has(TransportCap cap) const { return has_cap(caps(), cap); }

    // A dump of its own for each case (its name carries the case's name), in the format the core
    // would pick for these capabilities.
    DumpInfo dump_info() const;
    Result<plugin::PluginSink> open(const DumpInfo& dump);
    // The next bytes of the dump, through the hook the plugin declares: append(), or write_at() at
    // the running offset (as the core sends a stream to a positional sink).
    Status write_next(Sink& sink, uint64_t& offset, std::span<const std::byte> data, const CallOptions& opts);

private:
    static inline std::unique_ptr<ConformanceTarget> target_;
    static inline std::string target_name_;
    static inline std::optional<plugin::LoadedPlugin> plugin_;
    static inline TargetConfig config_;
    static inline uint32_t target_caps_ = 0;
};

}  // namespace kdf::conformance
