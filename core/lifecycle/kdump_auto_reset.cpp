#include "core/lifecycle/kdump_auto_reset.h"

#include "core/integration/text_lines.h"

namespace kdf::lifecycle {

namespace {

constexpr const char* kKey = "auto_reset_crashkernel";
constexpr const char* kMark =
    "# kdump-failover setup: crashkernel= is set by kdump-failover; kdumpctl must not reset it at kernel updates";

// The active line: first word is the key (kdumpctl reads "key value" lines; '#' starts a comment).
std::optional<size_t> find_line(const integration::TextLines& t) {
    for (size_t i = 0; i < t.lines.size(); ++i) {
        const auto w = integration::split_words(t.lines[i].text);
        if (!w.empty() && w[0] == kKey) return i;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> kdump_auto_reset(const std::string& text) {
    const auto t = integration::split_lines(text);
    const auto at = find_line(t);
    if (!at) return std::nullopt;
    const auto w = integration::split_words(t.lines[*at].text);
    return w.size() > 1 ? w[1] : "";
}

integration::ConfEdit set_kdump_auto_reset(const std::string& text, const std::string& file, const std::string& value) {
    integration::ConfEdit edit;
    auto t = integration::split_lines(text);
    const auto at = find_line(t);
    const std::string line = std::string(kKey) + " " + value;
    if (at && t.lines[*at].text == line) {
        edit.text = text;
        return edit;
    }
    if (at) {
        t.lines[*at].text = line;
        edit.changes.push_back(integration::where(file, *at) + ": " + line);
    } else {
        integration::append_line(t, kMark);
        integration::append_line(t, line);
        edit.changes.push_back(file + ": added " + line);
    }
    edit.text = integration::join_lines(t);
    return edit;
}

integration::ConfEdit restore_kdump_auto_reset(const std::string& text, const std::string& file,
                                               const std::optional<std::string>& before) {
    if (before) return set_kdump_auto_reset(text, file, *before);
    integration::ConfEdit edit;
    auto t = integration::split_lines(text);
    for (size_t i = 0; i + 1 < t.lines.size(); ++i) {
        if (t.lines[i].text != kMark) continue;
        t.lines.erase(t.lines.begin() + static_cast<long>(i), t.lines.begin() + static_cast<long>(i) + 2);
        edit.text = integration::join_lines(t);
        edit.changes.push_back(file + ": removed " + std::string(kKey) + " (added by setup)");
        return edit;
    }
    edit.text = text;
    return edit;
}

}  // namespace kdf::lifecycle
