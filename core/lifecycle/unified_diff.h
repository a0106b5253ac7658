// core/lifecycle/unified_diff.h - what `--dry-run` prints for a file: the exact change as a diff.
//
// The node commands change a few neighbouring lines of a file, so the diff is one hunk: the lines
// between the first and the last difference, with three lines of context, in `diff -u` form
// (`patch -p0` applies it). A file that does not exist yet is diffed against /dev/null.
#pragma once

#include <optional>
#include <string>

namespace kdf::lifecycle {

// "" when the texts are equal. `old_text` nullopt: the file is created; `new_text` nullopt: the
// file is deleted.
std::string unified_diff(const std::string& path, const std::optional<std::string>& old_text,
                         const std::optional<std::string>& new_text);

}  // namespace kdf::lifecycle
