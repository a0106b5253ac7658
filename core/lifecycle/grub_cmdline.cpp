#include "core/lifecycle/grub_cmdline.h"

#include <string_view>
#include <vector>

#include "core/integration/text_lines.h"

namespace kdf::lifecycle {

namespace {

constexpr std::string_view kVar = "GRUB_CMDLINE_LINUX=";
constexpr std::string_view kWord = "crashkernel=";
constexpr std::string_view kDropInTag = "# kdump-failover setup: crash kernel memory";

bool blank(char c) { return c == ' ' || c == '\t'; }

// Where the assignment's value sits in `line`: [begin, end) inside the quotes (or the bare word),
// and the quote character (0 for none). Only `GRUB_CMDLINE_LINUX=` at the start of the line,
// after blanks or `export `, counts; commented lines do not.
struct ValueSpan {
    size_t begin = 0, end = 0;
    char quote = 0;
};

std::optional<ValueSpan> value_span(const std::string& line) {
    size_t i = 0;
    while (i < line.size() && blank(line[i])) ++i;
    if (line.compare(i, 7, "export ") == 0) {
        i += 7;
        while (i < line.size() && blank(line[i])) ++i;
    }
    if (line.compare(i, kVar.size(), kVar) != 0) return std::nullopt;
    i += kVar.size();
    ValueSpan v;
    if (i < line.size() && (line[i] == '"' || line[i] == '\'')) {
        v.quote = line[i];
        const size_t close = line.find(v.quote, i + 1);
        if (close == std::string::npos) return std::nullopt;  // a value across lines: not ours to edit
        v.begin = i + 1;
        v.end = close;
    } else {
        v.begin = i;
        v.end = i;
        while (v.end < line.size() && !blank(line[v.end]) && line[v.end] != '#') ++v.end;
    }
    return v;
}

struct Word {
    size_t begin, end;
};

// The crashkernel= words of a value.
std::vector<Word> crash_words(std::string_view value) {
    std::vector<Word> out;
    size_t i = 0;
    while (i < value.size()) {
        while (i < value.size() && blank(value[i])) ++i;
        const size_t b = i;
        while (i < value.size() && !blank(value[i])) ++i;
        if (i > b && value.substr(b, kWord.size()) == kWord) out.push_back({b, i});
    }
    return out;
}

std::optional<size_t> last_assignment(const integration::TextLines& t) {
    std::optional<size_t> found;
    for (size_t i = 0; i < t.lines.size(); ++i)
        if (value_span(t.lines[i].text)) found = i;
    return found;
}

}  // namespace

std::optional<std::string> grub_crashkernel(const std::string& text) {
    const auto t = integration::split_lines(text);
    const auto at = last_assignment(t);
    if (!at) return std::nullopt;
    const auto& line = t.lines[*at].text;
    const auto v = *value_span(line);
    const std::string value = line.substr(v.begin, v.end - v.begin);
    const auto words = crash_words(value);
    if (words.empty()) return std::nullopt;
    return value.substr(words.back().begin + kWord.size(), words.back().end - words.back().begin - kWord.size());
}

integration::ConfEdit set_grub_crashkernel(const std::string& text, const std::string& file,
                                           const std::optional<std::string>& value) {
    integration::ConfEdit edit;
    auto t = integration::split_lines(text);
    const auto at = last_assignment(t);
    if (!at) {
        edit.text = text;
        if (!value) return edit;
        integration::append_line(t, "GRUB_CMDLINE_LINUX=\"crashkernel=" + *value + "\"");
        edit.text = integration::join_lines(t);
        edit.changes.push_back(file + ": added GRUB_CMDLINE_LINUX=\"crashkernel=" + *value + "\"");
        return edit;
    }
    std::string& line = t.lines[*at].text;
    const auto v = *value_span(line);
    std::string inner = line.substr(v.begin, v.end - v.begin);
    const std::string before = inner;
    auto words = crash_words(inner);
    // Drop the words after the first (from the back, so the offsets stay valid), each with the
    // blanks before it; then the first takes the new value, or goes with the blanks around it.
    for (size_t k = words.size(); k-- > (value ? 1 : 0);) {
        size_t b = words[k].begin;
        while (b > 0 && blank(inner[b - 1])) --b;
        size_t e = words[k].end;
        if (b == 0)
            while (e < inner.size() && blank(inner[e])) ++e;
        inner.erase(b, e - b);
    }
    if (value) {
        const std::string word = std::string(kWord) + *value;
        if (!words.empty())
            inner.replace(words[0].begin, words[0].end - words[0].begin, word);
        else
            inner += (inner.empty() || blank(inner.back()) ? "" : " ") + word;
    }
    if (inner == before) {
        edit.text = text;
        return edit;
    }
    // A bare value that now holds blanks needs quotes to stay one shell word.
    const bool add_quotes = v.quote == 0 && inner.find_first_of(" \t") != std::string::npos;
    const std::string open = add_quotes ? "\"" : "";
    line = line.substr(0, v.begin) + open + inner + open + line.substr(v.end);
    edit.text = integration::join_lines(t);
    edit.changes.push_back(integration::where(file, *at) + ": " +
                           (value ? "crashkernel=" + *value : std::string("crashkernel= removed")));
    return edit;
}

std::string grub_drop_in_text(const std::string& value) {
    return std::string(kDropInTag) + "\n"
           "# Written by `kdump-failover setup`; `kdump-failover uninstall` removes it.\n"
           "# Sourced after /etc/default/grub and after kdump-tools.cfg (name order); the kernel keeps the\n"
           "# last crashkernel= of its command line, so this size is the one reserved.\n"
           "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=" + value + "\"\n";
}

std::optional<std::string> grub_drop_in_value(const std::string& text) {
    if (!text.starts_with(kDropInTag)) return std::nullopt;
    const size_t at = text.rfind(kWord);
    if (at == std::string::npos) return std::nullopt;
    const size_t end = text.find('"', at);
    return text.substr(at + kWord.size(), end == std::string::npos ? std::string::npos : end - at - kWord.size());
}

std::optional<std::string> cmdline_crashkernel(const std::string& cmdline) {
    std::string s = cmdline;
    while (!s.empty() && (s.back() == '\n' || blank(s.back()))) s.pop_back();
    const auto words = crash_words(s);
    if (words.empty()) return std::nullopt;
    return s.substr(words.back().begin + kWord.size(), words.back().end - words.back().begin - kWord.size());
}

}  // namespace kdf::lifecycle
