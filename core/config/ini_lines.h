// core/config/ini_lines.h - splits INI text into section headers and key = value entries.
//
// Syntax (the whole file is read by this one function, so the rules live in one place):
//   - a line whose first non-blank character is '#' or ';' is a comment; blank lines are ignored;
//   - '#' preceded by a blank starts an inline comment ("level = 0   # no filtering"), so a value
//     may still contain '#' when it is not preceded by a blank ("pass#word");
//   - "[name]" or "[name argument]" opens a section;
//   - "key = value": blanks around '=' are optional, key and value are trimmed, the value is
//     everything after the first '='. An empty value is an error here (remove the line instead).
// Lines that fit none of these become errors "FILE:LINE: ...", and parsing goes on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kdf::chain {

struct IniLine {
    enum class Kind { section, entry };
    Kind kind = Kind::entry;
    int line = 0;             // 1-based
    std::string section;      // Kind::section: the word after '['; "" for a broken header (already reported)
    std::string argument;     // Kind::section: the rest, trimmed ("primary" in [target primary])
    std::string key;          // Kind::entry
    std::string value;        // Kind::entry; empty only after an "empty value" error was reported
};

struct IniText {
    std::vector<IniLine> lines;
    std::vector<std::string> errors;
};

IniText read_ini_lines(std::string_view text, const std::string& file_name);

// Calls fn(line_number, line_text) for each line of `text`, without its "\n" or "\r\n".
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    int number = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        fn(++number, line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

// "file:line"
std::string where(const std::string& file_name, int line);

}  // namespace kdf::chain
