// core/config/dm_name.cpp
#include "core/config/dm_name.h"

#include <vector>

namespace kdf::chain {

std::optional<std::pair<std::string, std::string>> split_dm_name(std::string_view name) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] != '-') {
            parts.back() += name[i];
        } else if (i + 1 < name.size() && name[i + 1] == '-') {
            parts.back() += '-';  // "--" is an escaped '-'
            ++i;
        } else {
            parts.emplace_back();  // a lone '-' separates parts
        }
    }
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return std::nullopt;
    return std::make_pair(std::move(parts[0]), std::move(parts[1]));
}

}  // namespace kdf::chain
