// volume_group.cpp - the VG metadata text's tree turned into PVs, LVs and segments.
#include "volume_group.h"

#include <optional>

namespace kdf::lvm {

namespace {

using Kind = ConfigValue::Kind;

class Reader {
public:
    Status error(const ConfigNode& at, const std::string& what) const {
        return Status::error(Code::corrupt, "line " + std::to_string(at.line) + ": " + what);
    }

    // A non-negative integer key of `section`; `required` false gives `fallback` when absent.
    std::optional<Status> number(const ConfigNode& section, const char* key, uint64_t& out, bool required = true,
                                 uint64_t fallback = 0) const {
        const ConfigNode* n = section.find(key);
        if (!n) {
            if (required) return error(section, "section '" + section.name + "' has no '" + key + "'");
            out = fallback;
            return std::nullopt;
        }
        if (n->is_section || n->value.kind != Kind::integer || n->value.integer < 0)
            return error(*n, std::string("'") + key + "' in '" + section.name + "' is not a non-negative integer");
        out = static_cast<uint64_t>(n->value.integer);
        return std::nullopt;
    }

    std::optional<Status> string(const ConfigNode& section, const char* key, std::string& out, bool required = true) const {
        const ConfigNode* n = section.find(key);
        if (!n) {
            if (required) return error(section, "section '" + section.name + "' has no '" + key + "'");
            return std::nullopt;
        }
        if (n->is_section || n->value.kind != Kind::string)
            return error(*n, std::string("'") + key + "' in '" + section.name + "' is not a string");
        out = n->value.text;
        return std::nullopt;
    }

    std::optional<Status> strings(const ConfigNode& section, const char* key, std::vector<std::string>& out) const {
        const ConfigNode* n = section.find(key);
        if (!n) return std::nullopt;
        if (n->is_section || n->value.kind != Kind::array)
            return error(*n, std::string("'") + key + "' in '" + section.name + "' is not a list");
        for (const ConfigValue& v : n->value.items) {
            if (v.kind != Kind::string)
                return error(*n, std::string("'") + key + "' in '" + section.name + "' holds a non-string");
            out.push_back(v.text);
        }
        return std::nullopt;
    }

    const ConfigNode* subsection(const ConfigNode& parent, const char* key) const {
        const ConfigNode* n = parent.find(key);
        return n && n->is_section ? n : nullptr;
    }

    std::optional<Status> read_pv(const ConfigNode& s, PhysicalVolume& pv) const {
        pv.key = s.name;
        if (auto e = string(s, "id", pv.uuid)) return e;
        if (auto e = string(s, "device", pv.device_hint, false)) return e;
        if (auto e = number(s, "pe_start", pv.pe_start)) return e;
        if (auto e = number(s, "pe_count", pv.pe_count)) return e;
        if (auto e = strings(s, "status", pv.status)) return e;
        if (auto e = strings(s, "flags", pv.flags)) return e;
        return std::nullopt;
    }

    std::optional<Status> read_segment(const ConfigNode& s, Segment& seg) const {
        seg.section = s.name;
        if (auto e = number(s, "start_extent", seg.start_extent)) return e;
        if (auto e = number(s, "extent_count", seg.extent_count)) return e;
        if (auto e = string(s, "type", seg.type)) return e;
        if (seg.type == "snapshot")
            if (auto e = string(s, "origin", seg.origin, false)) return e;
        if (seg.type != "striped") return std::nullopt;  // the extent map refuses it, naming the type

        uint64_t stripe_count = 0;
        if (auto e = number(s, "stripe_count", stripe_count)) return e;
        if (auto e = number(s, "stripe_size", seg.stripe_size, stripe_count > 1)) return e;
        const ConfigNode* areas = s.find("stripes");
        if (!areas || areas->is_section || areas->value.kind != Kind::array)
            return error(s, "segment '" + s.name + "' has no 'stripes' list");
        const auto& items = areas->value.items;
        if (items.size() != 2 * stripe_count || stripe_count == 0)
            return error(*areas, "'stripes' of segment '" + s.name + "' does not hold " + std::to_string(stripe_count) +
                                     " (name, extent) pairs");
        for (size_t i = 0; i < items.size(); i += 2) {
            if (items[i].kind != Kind::string || items[i + 1].kind != Kind::integer || items[i + 1].integer < 0)
                return error(*areas, "'stripes' of segment '" + s.name + "' is not a list of (\"pvN\", extent) pairs");
            seg.stripes.push_back(SegmentArea{items[i].text, static_cast<uint64_t>(items[i + 1].integer)});
        }
        return std::nullopt;
    }

    std::optional<Status> read_lv(const ConfigNode& s, LogicalVolume& lv) const {
        lv.name = s.name;
        if (auto e = string(s, "id", lv.id)) return e;
        if (auto e = strings(s, "status", lv.status)) return e;
        for (const ConfigNode& c : s.children) {
            if (!c.is_section) continue;
            Segment seg;
            if (auto e = read_segment(c, seg)) return e;
            lv.segments.push_back(std::move(seg));
        }
        uint64_t declared = 0;
        if (auto e = number(s, "segment_count", declared)) return e;
        if (declared != lv.segments.size())
            return error(s, "LV '" + lv.name + "' declares " + std::to_string(declared) + " segments and holds " +
                                std::to_string(lv.segments.size()));
        return std::nullopt;
    }
};

}  // namespace

const PhysicalVolume* VolumeGroup::find_pv(std::string_view key) const noexcept {
    for (const PhysicalVolume& pv : pvs)
        if (pv.key == key) return &pv;
    return nullptr;
}

const LogicalVolume* VolumeGroup::find_lv(std::string_view lv_name) const noexcept {
    for (const LogicalVolume& lv : lvs)
        if (lv.name == lv_name) return &lv;
    return nullptr;
}

Result<VolumeGroup> parse_volume_group(std::string_view text) {
    Result<ConfigNode> tree = parse_config_tree(text);
    if (!tree.is_ok()) return tree.take_status();
    const ConfigNode& root = tree.value();
    Reader r;

    const ConfigNode* vg_node = nullptr;
    for (const ConfigNode& c : root.children) {
        if (!c.is_section) continue;
        if (vg_node) return r.error(c, "a second top-level section '" + c.name + "' (one VG per text)");
        vg_node = &c;
    }
    if (!vg_node) return Status::error(Code::corrupt, "no volume group section in the metadata text");

    VolumeGroup vg;
    vg.name = vg_node->name;
    if (auto e = r.string(*vg_node, "id", vg.id)) return *e;
    if (auto e = r.number(*vg_node, "seqno", vg.seqno)) return *e;
    if (auto e = r.number(*vg_node, "extent_size", vg.extent_size)) return *e;
    if (vg.extent_size == 0) return r.error(*vg_node, "extent_size is 0");

    const ConfigNode* pvs = r.subsection(*vg_node, "physical_volumes");
    if (!pvs) return r.error(*vg_node, "VG '" + vg.name + "' has no physical_volumes section");
    for (const ConfigNode& c : pvs->children) {
        if (!c.is_section) continue;
        if (vg.find_pv(c.name)) return r.error(c, "PV '" + c.name + "' appears twice");
        PhysicalVolume pv;
        if (auto e = r.read_pv(c, pv)) return *e;
        vg.pvs.push_back(std::move(pv));
    }
    if (const ConfigNode* lvs = r.subsection(*vg_node, "logical_volumes")) {
        for (const ConfigNode& c : lvs->children) {
            if (!c.is_section) continue;
            if (vg.find_lv(c.name)) return r.error(c, "LV '" + c.name + "' appears twice");
            LogicalVolume lv;
            if (auto e = r.read_lv(c, lv)) return *e;
            vg.lvs.push_back(std::move(lv));
        }
    }
    return vg;
}

}  // namespace kdf::lvm
