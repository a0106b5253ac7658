// lvm_conformance_test.cpp - the `lvm` plugin (mode raw) through the conformance suite, on an LV
// lvm2 made on two loop devices: two segments, one on each PV, names with '-'. What landed is read
// back through the LV's extent map (the plugin's own reader, read-only) and the kdf::raw header.
#include <optional>

#include "kdf/raw_dump_header.h"
#include "lv_volume.h"
#include "tests/conformance/transport_conformance.h"
#include "tests/unit/lvm/lvm_lab.h"

namespace kdf::conformance {
namespace {

class LvmRawTarget : public ConformanceTarget {
public:
    LvmRawTarget() : lab_(2, 16u << 20) {
        if (!lab_.ready()) return;
        const std::string d0 = lab_.device(0), d1 = lab_.device(1);
        for (const std::string& args :
             {"pvcreate -y " + d0 + " " + d1, "vgcreate -s 1M vg-conf " + d0 + " " + d1,
              "lvcreate -l 8 -n lv-conf-dump vg-conf " + d0, "lvextend -l +8 vg-conf/lv-conf-dump " + d1}) {
            lvm::test::CommandResult r = lab_.lvm(args);
            if (r.status != 0) {
                error_ = "lvm " + args + ": " + r.err;
                return;
            }
        }
    }
    bool ok() const override { return lab_.ready() && error_.empty(); }
    std::string why() const override { return lab_.ready() ? error_ : lab_.error(); }
    std::string plugin_file() const override { return std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-lvm.so"; }
    chain::TargetSpec target() const override {
        return target_section("lvm", {{"vg", "vg-conf"}, {"lv", "lv-conf-dump"},
                                      {"devices", lab_.device(0) + " " + lab_.device(1)}});
    }

    std::optional<Bytes> final_dump(const DumpInfo& dump) const override {
        auto h = header_of(dump);
        if (!h || h->state != raw::State::complete || h->final_name != dump.final_name) return std::nullopt;
        return read(h->data_offset, h->data_length);
    }
    std::optional<Bytes> incomplete_dump(const DumpInfo& dump, uint64_t size) const override {
        auto h = header_of(dump);
        if (!h || (h->state != raw::State::writing && h->state != raw::State::aborted)) return std::nullopt;
        return read(h->data_offset, size);
    }
    std::optional<Bytes> side_file(const DumpInfo& dump, const std::string& name) const override {
        auto h = header_of(dump);
        if (!h) return std::nullopt;
        for (const raw::SideFile& f : h->side_files)
            if (f.name == name) return read(f.offset, f.length);
        return std::nullopt;
    }

private:
    std::optional<Bytes> read(uint64_t offset, uint64_t size) const {
        auto v = lvm::open_lv_volume({"vg-conf", "lv-conf-dump", {lab_.device(0), lab_.device(1)}, false}, CallOptions{});
        if (!v.is_ok()) return std::nullopt;
        Bytes out(size);
        if (!v.value()->read_at(offset, out, CallOptions{}).is_ok()) return std::nullopt;
        return out;
    }
    std::optional<raw::Header> header_of(const DumpInfo& dump) const {
        auto block = read(0, raw::header_size);
        if (!block) return std::nullopt;
        raw::DecodeError err{};
        auto h = raw::decode(*block, err);
        if (!h || h->dump_name != dump.dir_name) return std::nullopt;
        return h;
    }

    lvm::test::LvmLab lab_;
    std::string error_;
};

INSTANTIATE_TEST_SUITE_P(lvm_raw, TransportConformance,
                         ::testing::Values(ConformanceCase{"raw", [] { return std::make_unique<LvmRawTarget>(); }}),
                         conformance_case_name);

}  // namespace
}  // namespace kdf::conformance
