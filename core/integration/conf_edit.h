// core/integration/conf_edit.h - the result of editing another tool's config file in memory.
//
// Editors are pure functions of (old text, what we want); nothing touches the disk until every
// edit of a run has succeeded, so a refused edit leaves every file as it was.
#pragma once

#include <string>
#include <vector>

namespace kdf::integration {

struct ConfEdit {
    std::string text;                   // the new contents; equal to the old text when nothing changes
    std::vector<std::string> changes;   // one line per change, for the user ("extra_bins: added X")
    std::vector<std::string> warnings;  // "FILE:LINE: ..." things left alone that the user should read
    std::vector<std::string> errors;    // non-empty: `text` must not be written
};

}  // namespace kdf::integration
