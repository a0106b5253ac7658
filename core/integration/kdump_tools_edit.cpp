#include "core/integration/kdump_tools_edit.h"

#include <optional>

#include "core/integration/managed_block.h"
#include "core/integration/text_lines.h"

namespace kdf::integration {

namespace {

// "NAME=value" at the start of a line (after blanks, optionally "export "): the value's text.
std::optional<std::string> assignment(const std::string& line, std::string_view name) {
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos) return std::nullopt;
    std::string_view rest(line);
    rest.remove_prefix(i);
    if (rest.starts_with("export ")) rest.remove_prefix(7);
    if (!rest.starts_with(name) || rest.size() <= name.size() || rest[name.size()] != '=') return std::nullopt;
    std::string value(rest.substr(name.size() + 1));
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    return value;
}


}  // namespace

std::string shell_single_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

ConfEdit edit_kdump_tools(std::string_view text, const std::string& file_name, const KdumpToolsWants& wants) {
    ConfEdit out;
    out.text = std::string(text);
    TextLines t = split_lines(text);
    BlockSearch found = find_managed_block(t, file_name);
    if (!found.error.empty()) {
        out.errors.push_back(found.error);
        return out;
    }
    std::optional<std::string> before;
    for (size_t i = 0; i < t.lines.size(); ++i) {
        const bool inside = found.block && i > found.block->begin && i < found.block->end;
        if (inside) {
            if (auto v = assignment(t.lines[i].text, kConfigVariable)) before = *v;
            continue;
        }
        if (auto v = assignment(t.lines[i].text, "USE_KDUMP"); v && *v == "0")
            out.warnings.push_back(where(file_name, i) +
                                   ": USE_KDUMP=0: kdump-tools is off, so no crash kernel is loaded and no chain runs");
        if (assignment(t.lines[i].text, kConfigVariable))
            out.warnings.push_back(where(file_name, i) + ": " + kConfigVariable +
                                   " is also set here; the value in kdump-failover's block below wins");
    }

    put_managed_block(t, found.block,
                      {block_begin_line(wants.config_path),
                       std::string(kConfigVariable) + "=" + shell_single_quote(wants.config_path),
                       std::string(kBlockEnd)});
    out.text = join_lines(t);
    if (out.text != text) {
        if (before != wants.config_path) out.changes.push_back(std::string(kConfigVariable) + ": set to " + wants.config_path);
        else out.changes.push_back("kdump-failover block rewritten");
    }
    return out;
}

ConfEdit remove_from_kdump_tools(std::string_view text, const std::string& file_name) {
    ConfEdit out;
    out.text = std::string(text);
    TextLines t = split_lines(text);
    BlockSearch found = find_managed_block(t, file_name);
    if (!found.error.empty()) {
        out.errors.push_back(found.error);
        return out;
    }
    if (!found.block) return out;
    remove_managed_block(t, *found.block);
    out.text = join_lines(t);
    out.changes.push_back(std::string(kConfigVariable) + ": removed (kdump-failover block removed)");
    return out;
}

}  // namespace kdf::integration
