// core/config/ini_lines.cpp - see ini_lines.h for the syntax.
#include "core/config/ini_lines.h"

#include <cctype>

#include "kdf/options.h"

namespace kdf::chain {

std::string where(const std::string& file_name, int line) {
    return file_name + ":" + std::to_string(line);
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Cuts an inline comment: '#' at the start or after a blank.
std::string_view strip_inline_comment(std::string_view line) {
    for (size_t i = 0; i < line.size(); ++i)
        if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) return line.substr(0, i);
    return line;
}

// Stands in for a header that could not be read, so the keys below it are not blamed for being
// outside a section.
IniLine broken_section(int number) {
    IniLine l;
    l.kind = IniLine::Kind::section;
    l.line = number;
    return l;
}

}  // namespace

IniText read_ini_lines(std::string_view text, const std::string& file_name) {
    IniText out;
    for_each_line(text, [&](int number, std::string_view raw) {
        std::string_view line = kdf::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') return;
        line = kdf::trim(strip_inline_comment(line));
        const std::string at = where(file_name, number) + ": ";

        if (line.front() == '[') {
            if (line.back() != ']') {
                out.errors.push_back(at + "section header '" + std::string(line) + "' has no closing ']'");
                out.lines.push_back(broken_section(number));
                return;
            }
            std::string_view inner = kdf::trim(line.substr(1, line.size() - 2));
            if (inner.empty()) {
                out.errors.push_back(at + "empty section header '[]'");
                out.lines.push_back(broken_section(number));
                return;
            }
            size_t blank = 0;
            while (blank < inner.size() && !std::isspace(static_cast<unsigned char>(inner[blank]))) ++blank;
            IniLine l;
            l.kind = IniLine::Kind::section;
            l.line = number;
            l.section = std::string(inner.substr(0, blank));
            l.argument = std::string(kdf::trim(inner.substr(blank)));
            out.lines.push_back(std::move(l));
            return;
        }

        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            out.errors.push_back(at + "expected 'key = value' or '[section]', got '" + std::string(line) + "'");
            return;
        }
        std::string_view key = kdf::trim(line.substr(0, eq));
        std::string_view value = kdf::trim(line.substr(eq + 1));
        if (key.empty()) {
            out.errors.push_back(at + "'" + std::string(line) + "' has no key before '='");
            return;
        }
        IniLine l;
        l.kind = IniLine::Kind::entry;
        l.line = number;
        l.key = std::string(key);
        if (value.empty()) {
            // Kept as an entry (value empty) so the caller can still see the key was set and avoid
            // follow-up errors such as "missing 'type'"; the caller reports nothing else for it.
            out.errors.push_back(at + "'" + l.key + "' has an empty value");
        }
        l.value = std::string(value);
        out.lines.push_back(std::move(l));
    });
    return out;
}

}  // namespace kdf::chain
