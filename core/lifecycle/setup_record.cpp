#include "core/lifecycle/setup_record.h"

#include <algorithm>
#include <sstream>

namespace kdf::lifecycle {

void add_once(std::vector<std::string>& list, const std::string& item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string render_setup_record(const SetupRecord& r) {
    std::string out = "# kdump-failover setup: what `kdump-failover uninstall` undoes. Written by setup.\n";
    out += "crashkernel " + r.crashkernel + "\n";
    out += "crashkernel_before " + (r.crashkernel_before.empty() ? std::string("-") : r.crashkernel_before) + "\n";
    out += "bootloader " + r.bootloader + "\n";
    for (const auto& f : r.created) out += "created " + f + "\n";
    for (const auto& f : r.edited) out += "edited " + f + "\n";
    for (const auto& u : r.enabled) out += "enabled " + u + "\n";
    for (const auto& f : r.wired) out += "wired " + f + "\n";
    if (r.auto_reset_set)
        out += "auto_reset_before " + (r.auto_reset_before.empty() ? std::string("-") : r.auto_reset_before) + "\n";
    return out;
}

std::optional<SetupRecord> parse_setup_record(const std::string& text, const std::string& file, std::string* error) {
    SetupRecord r;
    std::istringstream in(text);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        const size_t sp = line.find(' ');
        const std::string key = line.substr(0, sp), value = sp == std::string::npos ? "" : line.substr(sp + 1);
        if (key == "crashkernel") r.crashkernel = value;
        else if (key == "crashkernel_before") r.crashkernel_before = value == "-" ? "" : value;
        else if (key == "bootloader") r.bootloader = value;
        else if (key == "created") r.created.push_back(value);
        else if (key == "edited") r.edited.push_back(value);
        else if (key == "enabled") r.enabled.push_back(value);
        else if (key == "wired") r.wired.push_back(value);
        else if (key == "auto_reset_before") r.auto_reset_set = true, r.auto_reset_before = value == "-" ? "" : value;
        else {
            if (error) *error = file + ":" + std::to_string(n) + ": unknown key '" + key + "'";
            return std::nullopt;
        }
    }
    return r;
}

}  // namespace kdf::lifecycle
