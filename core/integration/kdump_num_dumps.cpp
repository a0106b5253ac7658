// core/integration/kdump_num_dumps.cpp - reading KDUMP_NUM_DUMPS as kdump-tools' shell would.
#include "core/integration/kdump_num_dumps.h"

#include <cctype>

namespace kdf::integration {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// The value of a simple assignment's right-hand side: one quoted word, or a bare word up to a blank
// or a comment.
std::string unquote(std::string_view v) {
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
        const size_t close = v.find(v.front(), 1);
        return std::string(v.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
    }
    const size_t end = v.find_first_of(" \t#;");
    return std::string(v.substr(0, end));
}

}  // namespace

NumDumps read_kdump_num_dumps(std::string_view text, const std::string& file_name) {
    constexpr std::string_view kName = "KDUMP_NUM_DUMPS=";
    NumDumps out;
    std::string value;
    size_t line_no = 0, start = 0;
    bool found = false;
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        ++line_no;
        std::string_view line = trim(text.substr(start, end - start));
        if (line.starts_with("export ")) line = trim(line.substr(7));
        if (line.starts_with(kName)) {
            value = unquote(trim(line.substr(kName.size())));
            out.where = file_name + ":" + std::to_string(line_no);
            found = true;
        }
        start = end + 1;
    }
    if (!found || value.empty()) return out;
    for (char c : value)
        if (!std::isdigit(static_cast<unsigned char>(c)) || value.size() > 9) {
            out.problem = out.where + ": KDUMP_NUM_DUMPS='" + value +
                          "' is not a number; the chain's targets keep every dump they hold";
            return out;
        }
    const uint64_t n = std::stoull(value);
    if (n != 0) out.keep = n;
    return out;
}

void inherit_keep(chain::Config& config, const NumDumps& num) {
    if (!num.keep) return;
    for (chain::TargetSpec& t : config.targets)
        t.inherited_defaults["keep"] = kdf::OptionValue{std::to_string(*num.keep), num.where};
}

}  // namespace kdf::integration
