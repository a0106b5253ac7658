// vg_locator.cpp - choosing the newest metadata of a VG and binding its PVs to devices.
#include "vg_locator.h"

#include <algorithm>
#include <map>

namespace kdf::lvm {

Result<LocatedVg> locate_volume_group(const PvScan& scan, std::string_view vg_name) {
    const std::string vg_label = "lvm: VG " + std::string(vg_name);

    // Parse every good copy; keep those of this VG, and the names of the others for the message.
    std::vector<std::string> other_vgs;
    std::optional<LocatedVg> best;
    for (const MetadataCopy& copy : scan.copies) {
        if (copy.error) continue;
        Result<VolumeGroup> vg = parse_volume_group(copy.text);
        if (!vg.is_ok()) {
            // A copy with a good checksum that we cannot read: lvm2 wrote something we do not
            // understand. Refuse rather than guess, but only if it could be our VG.
            if (copy.text.find(std::string(vg_name)) == std::string::npos) continue;
            return Status::error(Code::corrupt, vg_label + ": metadata on " + copy.device + ": " +
                                                    vg.take_status().message());
        }
        if (vg->name != vg_name) {
            if (std::find(other_vgs.begin(), other_vgs.end(), vg->name) == other_vgs.end()) other_vgs.push_back(vg->name);
            continue;
        }
        if (best && best->vg.id != vg->id)
            return Status::error(Code::invalid_config, vg_label + ": two VGs of that name (ids " + best->vg.id + " on " +
                                                           best->metadata_device + " and " + vg->id + " on " +
                                                           copy.device + "); narrow `devices`");
        if (!best || vg->seqno > best->vg.seqno) best = LocatedVg{std::move(vg.value()), {}, copy.device};
    }
    if (!best) {
        std::string msg = vg_label + ": not found on " + std::to_string(scan.devices.size()) + " scanned devices (" +
                          std::to_string(scan.pvs.size()) + " PVs";
        if (!other_vgs.empty()) {
            msg += ", VGs seen:";
            for (const std::string& n : other_vgs) msg += " " + n;
        }
        msg += ")";
        bool damaged = false;
        for (const MetadataCopy& copy : scan.copies)
            if (copy.error) {
                msg += "; " + copy.error->message();
                damaged = true;
            }
        for (const std::string& broken : scan.broken_labels) msg += "; " + broken;
        return Status::error(damaged ? Code::corrupt : Code::not_found, msg);
    }

    LocatedVg& located = *best;
    for (const PhysicalVolume& pv : located.vg.pvs) {
        const std::string uuid = undashed_uuid(pv.uuid);
        std::vector<const FoundPv*> found;
        for (const FoundPv& f : scan.pvs)
            if (f.label.uuid == uuid) found.push_back(&f);
        if (found.size() > 1)
            return Status::error(Code::invalid_config, vg_label + ": PV " + pv.uuid + " found on both " +
                                                           found[0]->device + " and " + found[1]->device +
                                                           " (multipath or a cloned disk?); narrow `devices` to one path");
        if (found.empty()) {
            std::string msg = vg_label + ": PV " + pv.uuid + " is missing (last seen as " +
                              (pv.device_hint.empty() ? "?" : pv.device_hint) + "; not among " +
                              std::to_string(scan.devices.size()) + " scanned devices)";
            for (const std::string& broken : scan.broken_labels) msg += "; " + broken;
            return Status::error(Code::not_found, msg);
        }
        for (const MetadataCopy& copy : scan.copies)
            if (copy.error && copy.pv_uuid == uuid)
                return Status::error(Code::corrupt, vg_label + ": PV " + pv.uuid + ": " + copy.error->message() +
                                                        "; run vgck/vgcfgrestore before dumping to it");
        located.pv_devices.push_back(found[0]->device);
    }
    return std::move(located);
}

}  // namespace kdf::lvm
