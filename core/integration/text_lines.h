// core/integration/text_lines.h - a text file as lines, joined back byte for byte.
//
// The editors of other tools' config files (kdump.conf, /etc/default/kdump-tools) change a few
// lines and must give every other line back exactly as it was: same bytes, same "\r\n" or "\n",
// same presence or absence of a final newline. TextLines keeps each line with its own ending.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/text_words.h"

namespace kdf::integration {

struct TextLine {
    std::string text;    // without the line ending
    std::string ending;  // "\n", "\r\n", or "" for a last line without one
};

struct TextLines {
    std::vector<TextLine> lines;
};

TextLines split_lines(std::string_view text);
std::string join_lines(const TextLines& t);

// Appends `line` at the end; a previous last line without a newline gets one first.
void append_line(TextLines& t, std::string line);

// Blank-separated words of `s` (spaces and tabs).
using common::split_words;

// "FILE:N" for the line at 0-based `index`, as warnings and errors name a line.
std::string where(const std::string& file, size_t index);

}  // namespace kdf::integration
