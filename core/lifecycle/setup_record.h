// core/lifecycle/setup_record.h - what `setup` changed, so `uninstall` can undo exactly that.
//
// Kept in /var/lib/kdump-failover/setup.state as "key value" lines. A second setup adds to the
// record and keeps what the first one saw before any change (the crashkernel= size before setup,
// which units were enabled then): uninstall returns to the state before the first setup.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kdf::lifecycle {

inline constexpr const char* kSetupRecordDir = "/var/lib/kdump-failover/";
inline constexpr const char* kSetupRecordPath = "/var/lib/kdump-failover/setup.state";

struct SetupRecord {
    std::string crashkernel;         // the size setup set
    std::string crashkernel_before;  // the size in effect before the first setup; "" for none
    std::string bootloader;          // "grub-drop-in", "grub-default", "grubby", "rpm-ostree"
    std::vector<std::string> created;  // files setup created: uninstall deletes them
    std::vector<std::string> edited;   // files setup edited (FILE.kdump-failover.bak is the original)
    std::vector<std::string> enabled;  // units setup enabled: uninstall disables them
    std::vector<std::string> wired;    // kdump files `generate` edited: uninstall runs `generate --remove`
    // kdump.conf's auto_reset_crashkernel: set to "no" by setup (kdump_auto_reset.h), and its value
    // before ("" when there was no such line).
    bool auto_reset_set = false;
    std::string auto_reset_before;
};

std::string render_setup_record(const SetupRecord& r);

// nullopt when `text` is not a record (a line without a known key): the message names the line.
std::optional<SetupRecord> parse_setup_record(const std::string& text, const std::string& file, std::string* error);

// Adds `item` to `list` unless it is there.
void add_once(std::vector<std::string>& list, const std::string& item);

}  // namespace kdf::lifecycle
