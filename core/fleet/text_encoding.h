// core/fleet/text_encoding.h - the few encodings the fleet files need, written out deterministically.
//
// JSON strings are also valid YAML double-quoted scalars, so one escaper serves both. Text that a
// YAML literal block cannot carry verbatim (control characters, CR, a leading blank on the first
// line, no final newline...) is written as a quoted scalar instead: the value is the same either way,
// only readability differs.
#pragma once

#include <string>
#include <string_view>

namespace kdf::fleet {

// RFC 4648 base64 with padding, no line breaks.
std::string base64(std::string_view bytes);

// `text` as a JSON string literal (quotes included): ", \ and control characters escaped, bytes
// >= 0x80 passed through (the input is UTF-8 text or gets base64 instead).
std::string json_string(std::string_view text);

// True when `text` is UTF-8-clean printable text a YAML literal block ("|") keeps byte for byte.
bool fits_literal_block(std::string_view text);

// A YAML value for `text` at `indent` spaces: "|\n" + the lines indented when fits_literal_block(),
// else json_string(). Ends without a newline after a quoted scalar, with one after a block.
std::string yaml_text_value(std::string_view text, int indent);

// "0644": the mode as Butane and people write it.
std::string octal_mode(unsigned mode);

}  // namespace kdf::fleet
