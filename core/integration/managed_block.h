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
// Written as the block's second line when the block was appended to a file whose last line had no
// newline (appending had to add one): removing the block takes that newline away again, so the
// file comes back byte for byte.
inline constexpr std::string_view kNoFinalNewlineNote =
    "# (the line above ended the file without a newline before kdump-failover's block)";

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
// the end of the file when there was none. kNoFinalNewlineNote is added (or kept from `old`) when
// appending gave the file's last line a newline it did not have.
void put_managed_block(TextLines& t, const std::optional<BlockRange>& old, std::vector<std::string> block);

// Takes the block's lines out, and the newline appending added (kNoFinalNewlineNote): what the file
// was before the block, byte for byte, as far as the block is concerned.
void remove_managed_block(TextLines& t, const BlockRange& block);

}  // namespace kdf::integration
