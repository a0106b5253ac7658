// core/integration/managed_block.h - the lines kdump-failover owns inside another tool's config file.
//
// `kdump-failover generate` writes its lines between two marker comments:
//
//   # >>> kdump-failover >>> written by `kdump-failover generate` from /etc/kdump-failover.conf; ...
//   ...our lines...
//   # <<< kdump-failover <<<
//
// so a later run finds exactly what it wrote and replaces it in place (idempotent: the same input
// gives the same bytes), and the user's own lines are never rewritten. Both kdump.conf and
// /etc/default/kdump-tools treat '#' lines as comments, so the markers are inert there.
// Recognised by prefix: the text after the begin marker is a note for people and may change.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/integration/text_lines.h"

namespace kdf::integration {

inline constexpr std::string_view kBlockBegin = "# >>> kdump-failover >>>";
inline constexpr std::string_view kBlockEnd = "# <<< kdump-failover <<<";

// Line indexes of the block, markers included: lines[begin] is the begin marker, lines[end] the end.
struct BlockRange {
    size_t begin = 0;
    size_t end = 0;
};

struct BlockSearch {
    std::optional<BlockRange> block;
    std::string error;  // "FILE:LINE: ..." when the markers are broken (unclosed, nested, repeated)
};

// Finds the block. A begin marker without an end, an end without a begin, or a second block is an
// error: the file was edited by hand and guessing which lines are ours could delete the user's.
BlockSearch find_managed_block(const TextLines& t, const std::string& file_name);

// The begin marker line with its note: where the lines come from and what to edit instead.
std::string block_begin_line(const std::string& config_path);

// Replaces the lines of `old` (when given) with `block` (markers included), or appends `block` at
// the end of the file when there was none.
void put_managed_block(TextLines& t, const std::optional<BlockRange>& old, const std::vector<std::string>& block);

}  // namespace kdf::integration
