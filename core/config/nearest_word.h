// core/config/nearest_word.h - "did you mean ...?" for misspelt keys, sections, options and targets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kdf::chain {

// Levenshtein edit distance (insert, delete, substitute cost 1), case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough. Close enough means distance
// <= 2 or <= a third of word's length, and not a complete rewrite (distance < length of word), so
// "lvl" suggests "level" but "x" suggests nothing. Ties go to the earlier candidate.
std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'X'?" or "" - the tail most messages append.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace kdf::chain
