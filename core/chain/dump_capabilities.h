// core/chain/dump_capabilities.h - which [dump] settings this build can honour.
//
// The config model accepts and range-checks the full [dump] syntax (levels 0..31, every codec and
// format the project plans). This build writes kdump-compressed, flattened and ELF dumps with every
// codec, but filters only zero pages (level 1): page-type filtering (levels 2..31) needs the mem_map
// walk. A value outside the tables below is therefore a config error naming the line, never a
// silent downgrade: a user who asks for level 31 must not get a 200 GiB dump on a 20 GiB target
// without being told. When filtering arrives, widen these tables (and only these).
#pragma once

#include <array>
#include <string_view>

namespace kdf::chain::dump_capabilities {

inline constexpr std::array<int, 2> levels{0, 1};
inline constexpr std::array<std::string_view, 5> compress{"none", "zlib", "lzo", "lz4", "zstd"};
inline constexpr std::array<std::string_view, 4> formats{"auto", "kdump", "flat", "elf"};

// Why a value outside the table is refused; printed before "only ... supported yet".
inline constexpr std::string_view level_reason = "this version filters zero pages only, not page types";
inline constexpr std::string_view compress_reason = "this version has no such codec";
inline constexpr std::string_view format_reason = "this version has no such format";

template <class Table, class Value>
constexpr bool contains(const Table& table, const Value& v) {
    for (const auto& t : table)
        if (t == v) return true;
    return false;
}

constexpr bool level_supported(int level) { return contains(levels, level); }
constexpr bool compress_supported(std::string_view c) { return contains(compress, c); }
constexpr bool format_supported(std::string_view f) { return contains(formats, f); }

}  // namespace kdf::chain::dump_capabilities
