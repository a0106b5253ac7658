// config_tree.h - LVM2's text format (the VG metadata text), parsed into a tree.
//
// The grammar lvm2 writes and reads:
//
//   file     := item*
//   item     := name '=' value | name '{' item* '}'
//   value    := integer | real | string | '[' (value (',' value)*)? ']'
//   string   := '"' chars with \" and \\ escapes '"'   (or single quotes)
//   comments run from '#' to the end of the line
//
// Names are runs of anything but white space and the characters = { } [ ] , # " '; VG and LV names
// may hold '-', '+', '.' and '_'. The parser checks syntax only; what the keys mean is
// volume_group.h's business. It bounds nesting depth, so damaged text cannot exhaust the stack,
// and every error names the line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/status.h"

namespace kdf::lvm {

struct ConfigValue {
    enum class Kind { integer, real, string, array };
    Kind kind = Kind::integer;
    int64_t integer = 0;
    std::string text;                // the string, or a real number's spelling
    std::vector<ConfigValue> items;  // Kind::array
};

struct ConfigNode {
    std::string name;
    bool is_section = false;
    ConfigValue value;                // assignments
    std::vector<ConfigNode> children; // sections
    size_t line = 0;

    // The first child called `key`, or null.
    const ConfigNode* find(std::string_view key) const noexcept;
};

// The whole text as the children of an unnamed root section. Errors are Code::corrupt:
// "line N: <what was expected>".
Result<ConfigNode> parse_config_tree(std::string_view text);

}  // namespace kdf::lvm
