// core/common/text_words.h - the blank-separated words of a line (spaces and tabs), as shells and
// config files such as kdump.conf split them; no quoting is interpreted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kdf::common {

inline std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) words.emplace_back(s.substr(start, i - start));
    }
    return words;
}

}  // namespace kdf::common
