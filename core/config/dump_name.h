// core/config/dump_name.h - the dump directory name ([chain] name), e.g. "{host}-{date}".
//
// The name is one path component below each target's path, the same on every target of the chain,
// so the copies of one crash are found under one name everywhere. Placeholders: {host} and {date}; {date} is local time formatted
// as kdumpctl's `date +%Y-%m-%d-%T` ("2026-11-23-19:04:05"), so dumps sort by time and look like the
// ones users already know.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kdf::chain {

// "" when `pattern` is usable; otherwise why not (unknown placeholder, unclosed '{', '/', empty).
std::string check_dump_name_pattern(std::string_view pattern);

// Expands {host} and {date} (local time of `unix_time`). Any '/' in `host` becomes '_' so the
// result stays one path component. Text that is not a known placeholder is copied unchanged
// (patterns are checked when the config is read).
std::string expand_dump_name(std::string_view pattern, std::string_view host, int64_t unix_time);

}  // namespace kdf::chain
