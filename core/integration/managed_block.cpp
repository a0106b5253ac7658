#include "core/integration/managed_block.h"

namespace kdf::integration {

BlockSearch find_managed_block(const TextLines& t, const std::string& file_name) {
    BlockSearch out;
    std::optional<size_t> open;
    for (size_t i = 0; i < t.lines.size(); ++i) {
        const std::string& text = t.lines[i].text;
        if (text.starts_with(kBlockBegin)) {
            if (open || out.block) {
                out.error = where(file_name, i) + ": a second kdump-failover block starts here; remove the extra "
                            "marker lines by hand (generate will not guess which lines are its own)";
                out.block.reset();
                return out;
            }
            open = i;
        } else if (text.starts_with(kBlockEnd)) {
            if (!open) {
                out.error = where(file_name, i) + ": kdump-failover block end without its begin line; remove it by hand";
                return out;
            }
            out.block = BlockRange{*open, i};
            open.reset();
        }
    }
    if (open)
        out.error = where(file_name, *open) + ": kdump-failover block is never closed (no '" + std::string(kBlockEnd) +
                    "' line); fix it by hand";
    return out;
}

std::string block_begin_line(const std::string& config_path) {
    return std::string(kBlockBegin) + " written by `kdump-failover generate` from " + config_path +
           "; edit that file, not these lines";
}

namespace {

bool has_note(const TextLines& t, const BlockRange& r) {
    for (size_t i = r.begin + 1; i < r.end; ++i)
        if (t.lines[i].text == kNoFinalNewlineNote) return true;
    return false;
}

void insert_note(std::vector<std::string>& block) {
    block.insert(block.begin() + (block.empty() ? 0 : 1), std::string(kNoFinalNewlineNote));
}

}  // namespace

void put_managed_block(TextLines& t, const std::optional<BlockRange>& old, std::vector<std::string> block) {
    if (old) {
        if (has_note(t, *old)) insert_note(block);
        // Keep the ending style of the file (CRLF stays CRLF) and whether its last line had a newline.
        const std::string ending = t.lines[old->begin].ending.empty() ? "\n" : t.lines[old->begin].ending;
        const std::string last_ending = t.lines[old->end].ending;
        std::vector<TextLine> lines;
        for (size_t i = 0; i < block.size(); ++i) lines.push_back({block[i], i + 1 == block.size() ? last_ending : ending});
        if (!block.empty() && old->end + 1 < t.lines.size() && lines.back().ending.empty()) lines.back().ending = ending;
        auto first = t.lines.begin() + static_cast<long>(old->begin);
        auto last = t.lines.begin() + static_cast<long>(old->end) + 1;
        first = t.lines.erase(first, last);
        t.lines.insert(first, lines.begin(), lines.end());
        return;
    }
    if (!t.lines.empty() && t.lines.back().ending.empty()) insert_note(block);
    for (const auto& line : block) append_line(t, line);
}

void remove_managed_block(TextLines& t, const BlockRange& block) {
    const bool note = has_note(t, block);
    const bool at_end = block.end + 1 == t.lines.size();
    auto first = t.lines.begin() + static_cast<long>(block.begin);
    t.lines.erase(first, t.lines.begin() + static_cast<long>(block.end) + 1);
    if (note && at_end && !t.lines.empty()) t.lines.back().ending.clear();
}

}  // namespace kdf::integration
