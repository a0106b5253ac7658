// core/chain/dump_capabilities.h - which [dump] settings this build can honour.
//
// The config model accepts and range-checks the full [dump] syntax (levels 0..31, every codec and
// format the project plans). This build writes kdump-compressed, flattened and ELF dumps with every
// codec and filters pages at every makedumpfile dump level (core/filter: zero pages from their
// contents, cache/user/free pages from the crashed kernel's mem_map). A value outside the tables
// below is a config error naming the line, never a silent downgrade. Where a dump's own VMCOREINFO
// cannot support a level's rule, the dump keeps those pages and says so in one warning line.
#pragma once

#include <array>
#include <string_view>

namespace kdf::chain::dump_capabilities {

inline constexpr std::array<int, 32> levels = [] {
    std::array<int, 32> all{};
    for (int i = 0; i < 32; ++i) all[static_cast<size_t>(i)] = i;
    return all;
}();
inline constexpr std::array<std::string_view, 5> compress{"none", "zlib", "lzo", "lz4", "zstd"};
inline constexpr std::array<std::string_view, 4> formats{"auto", "kdump", "flat", "elf"};

// Why a value outside the table is refused; printed before "only ... supported yet".
inline constexpr std::string_view level_reason = "makedumpfile's dump levels are 0 to 31";
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
