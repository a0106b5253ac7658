// core/config/nearest_word.cpp
#include "core/config/nearest_word.h"

#include <algorithm>
#include <cctype>

namespace kdf::chain {

size_t edit_distance(std::string_view a, std::string_view b) {
    auto low = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    // One row of the DP table at a time: words here are short, but no need for a matrix anyway.
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
            diag = up;
        }
    }
    return row[b.size()];
}

std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates) {
    const std::string* best = nullptr;
    size_t best_distance = 0;
    for (const std::string& c : candidates) {
        size_t d = edit_distance(word, c);
        bool close = (d <= 2 || d <= word.size() / 3) && d < word.size();
        if (close && (!best || d < best_distance)) {
            best = &c;
            best_distance = d;
        }
    }
    return best ? *best : std::string();
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string n = nearest_word(word, candidates);
    return n.empty() ? std::string() : "; did you mean '" + n + "'?";
}

}  // namespace kdf::chain
