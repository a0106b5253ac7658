// core/config/dump_name.cpp
#include "core/config/dump_name.h"

#include <ctime>

namespace kdf::chain {

std::string check_dump_name_pattern(std::string_view pattern) {
    if (pattern.empty()) return "the dump directory name is empty";
    if (pattern.find('/') != std::string_view::npos)
        return "the dump directory name must be one path component (no '/')";
    if (pattern == "." || pattern == "..") return "'" + std::string(pattern) + "' is not a usable directory name";
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '}') return "'}' without a matching '{'";
        if (pattern[i] != '{') continue;
        size_t close = pattern.find('}', i);
        if (close == std::string_view::npos) return "'{' without a closing '}'";
        std::string_view name = pattern.substr(i + 1, close - i - 1);
        if (name != "host" && name != "date")
            return "unknown placeholder {" + std::string(name) + "}; only {host} and {date} are known";
        i = close;
    }
    return {};
}

std::string expand_dump_name(std::string_view pattern, std::string_view host, int64_t unix_time) {
    std::string safe_host(host);
    for (char& c : safe_host)
        if (c == '/') c = '_';

    char date[64] = "";
    std::time_t t = static_cast<std::time_t>(unix_time);
    std::tm tm{};
    if (localtime_r(&t, &tm)) std::strftime(date, sizeof date, "%Y-%m-%d-%H:%M:%S", &tm);

    std::string out;
    for (size_t i = 0; i < pattern.size();) {
        if (pattern.substr(i, 6) == "{host}") {
            out += safe_host;
            i += 6;
        } else if (pattern.substr(i, 6) == "{date}") {
            out += date;
            i += 6;
        } else {
            out += pattern[i++];
        }
    }
    return out;
}

}  // namespace kdf::chain
