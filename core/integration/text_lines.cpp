#include "core/integration/text_lines.h"

namespace kdf::integration {

TextLines split_lines(std::string_view text) {
    TextLines out;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        TextLine line;
        if (nl == std::string_view::npos) {
            line.text = std::string(text);
            text = {};
        } else {
            std::string_view body = text.substr(0, nl);
            line.ending = "\n";
            if (!body.empty() && body.back() == '\r') {
                body.remove_suffix(1);
                line.ending = "\r\n";
            }
            line.text = std::string(body);
            text.remove_prefix(nl + 1);
        }
        out.lines.push_back(std::move(line));
    }
    return out;
}

std::string join_lines(const TextLines& t) {
    std::string out;
    for (const auto& l : t.lines) {
        out += l.text;
        out += l.ending;
    }
    return out;
}

void append_line(TextLines& t, std::string line) {
    if (!t.lines.empty() && t.lines.back().ending.empty()) t.lines.back().ending = "\n";
    t.lines.push_back({std::move(line), "\n"});
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) words.emplace_back(s.substr(start, i - start));
    }
    return words;
}

}  // namespace kdf::integration
