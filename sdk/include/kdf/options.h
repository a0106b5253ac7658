// kdf/options.h - a plugin's option schema (declared as data) and the values a target carries.
//
// The schema lets `kdump-failover check` validate a target section offline: the host checks every
// key, type, required flag and choice against it and applies defaults before the plugin sees the
// config, so a plugin's own check() is left with cross-field rules only (fio's `fio_option[]`).
//
// Value syntax shared by host and plugins (parse_* below):
//   boolean  yes|no|true|false|on|off|1|0
//   integer  decimal, optional leading '-'
//   size     integer with optional suffix K, M, G, T (powers of 1024; "KiB", "MB" also accepted)
//   duration integer with optional suffix ms, s, m, h (default seconds); "none" = unlimited (0)
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kdf {

enum class OptionType : uint8_t { string, path, integer, size, duration, boolean, choice };

inline const char* to_string(OptionType t) noexcept {
    switch (t) {
    case OptionType::string: return "string";
    case OptionType::path: return "path";
    case OptionType::integer: return "integer";
    case OptionType::size: return "size";
    case OptionType::duration: return "duration";
    case OptionType::boolean: return "boolean";
    case OptionType::choice: return "choice";
    }
    return "?";
}

struct OptionSpec {
    std::string key;
    OptionType type = OptionType::string;
    bool required = false;
    std::string default_value;  // applied by the host when the key is absent ("" = no default)
    std::string help;           // one line, shown by `kdump-failover plugins`
    std::string choices;        // for OptionType::choice: "dir|raw"
};

// One configured value and where it came from ("/etc/kdump-failover.conf:12"), so a plugin's
// check() can point at the line. `where` is empty for defaults filled in by the host.
struct OptionValue {
    std::string text;
    std::string where;
};

// Keys of a [target NAME] section that belong to the chain, not to the plugin: the supervisor
// applies them (timeouts, the dump format and compression for this target) and never hands them to the plugin, and
// a plugin may not declare an option with one of these names.
inline const std::vector<std::string>& chain_target_keys() {
    static const std::vector<std::string> keys = {"type",   "connect_timeout", "stall_timeout", "total_timeout",
                                                  "format", "compress",        "readers"};
    return keys;
}

// The configuration of one [target NAME] section, as handed to the plugin.
struct TargetConfig {
    std::string name;     // the section's NAME
    std::string type;     // the plugin name
    std::string where;    // "file:line" of the section header
    std::map<std::string, OptionValue> options;  // plugin keys only, defaults applied

    const OptionValue* find(std::string_view key) const {
        auto it = options.find(std::string(key));
        return it == options.end() ? nullptr : &it->second;
    }
    // The text of `key`, or "" when absent.
    std::string get(std::string_view key) const {
        const OptionValue* v = find(key);
        return v ? v->text : std::string();
    }
    // "file:line" of `key`, falling back to the section header.
    std::string where_of(std::string_view key) const {
        const OptionValue* v = find(key);
        return v && !v->where.empty() ? v->where : where;
    }
};

// ---- value parsing, shared so host validation and plugin use agree ----

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

inline std::optional<bool> parse_bool(std::string_view text) {
    std::string v = lower(trim(text));
    if (v == "yes" || v == "true" || v == "on" || v == "1") return true;
    if (v == "no" || v == "false" || v == "off" || v == "0") return false;
    return std::nullopt;
}

inline std::optional<int64_t> parse_integer(std::string_view text) {
    text = trim(text);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

namespace detail {
// Splits "64M" into 64 and "M"; false when there is no leading unsigned number or it overflows.
inline bool split_number(std::string_view text, uint64_t& number, std::string& suffix) {
    text = trim(text);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec != std::errc() || p == text.data()) return false;
    suffix = lower(trim(std::string_view(p, static_cast<size_t>(text.data() + text.size() - p))));
    return true;
}
inline bool mul_overflows(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b; }
}  // namespace detail

// Bytes; K/M/G/T are powers of 1024.
inline std::optional<uint64_t> parse_size(std::string_view text) {
    uint64_t n = 0;
    std::string suffix;
    if (!detail::split_number(text, n, suffix)) return std::nullopt;
    static const std::pair<const char*, uint64_t> units[] = {
        {"", 1},         {"b", 1},          {"k", 1ull << 10}, {"kb", 1ull << 10}, {"kib", 1ull << 10},
        {"m", 1ull << 20}, {"mb", 1ull << 20}, {"mib", 1ull << 20}, {"g", 1ull << 30}, {"gb", 1ull << 30},
        {"gib", 1ull << 30}, {"t", 1ull << 40}, {"tb", 1ull << 40}, {"tib", 1ull << 40}};
    for (const auto& [name, mult] : units)
        if (suffix == name) {
            if (detail::mul_overflows(n, mult)) return std::nullopt;
            return n * mult;
        }
    return std::nullopt;
}

// Milliseconds; plain numbers are seconds; "none"/"unlimited" give 0 (= no limit).
inline std::optional<uint64_t> parse_duration_ms(std::string_view text) {
    std::string v = lower(trim(text));
    if (v == "none" || v == "unlimited" || v == "off") return 0;
    uint64_t n = 0;
    std::string suffix;
    if (!detail::split_number(v, n, suffix)) return std::nullopt;
    uint64_t mult = 0;
    if (suffix == "ms") mult = 1;
    else if (suffix.empty() || suffix == "s" || suffix == "sec") mult = 1000;
    else if (suffix == "m" || suffix == "min") mult = 60'000;
    else if (suffix == "h") mult = 3'600'000;
    else return std::nullopt;
    if (detail::mul_overflows(n, mult)) return std::nullopt;
    return n * mult;
}

// True when `text` is one of the '|'-separated `choices`.
inline bool is_choice(std::string_view text, std::string_view choices) {
    text = trim(text);
    while (!choices.empty()) {
        size_t bar = choices.find('|');
        std::string_view c = choices.substr(0, bar);
        if (c == text) return true;
        if (bar == std::string_view::npos) break;
        choices.remove_prefix(bar + 1);
    }
    return false;
}

}  // namespace kdf
