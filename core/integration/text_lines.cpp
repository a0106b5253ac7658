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

std::string where(const std::string& file, size_t index) { return file + ":" + std::to_string(index + 1); }

}  // namespace kdf::integration
