#include "core/lifecycle/unified_diff.h"

#include <algorithm>
#include <vector>

namespace kdf::lifecycle {

namespace {

constexpr size_t kContext = 3;

// Lines with their endings; a last line without a newline is marked as diff marks it.
std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t nl = text.find('\n', i);
        if (nl == std::string::npos) {
            out.push_back(text.substr(i) + "\n\\ No newline at end of file\n");
            break;
        }
        out.push_back(text.substr(i, nl + 1 - i));
        i = nl + 1;
    }
    return out;
}

std::string range(size_t start, size_t count) {
    // diff -u numbers an empty range by the line before it.
    return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(const std::string& path, const std::optional<std::string>& old_text,
                         const std::optional<std::string>& new_text) {
    if (old_text == new_text) return "";
    const auto a = lines_of(old_text.value_or("")), b = lines_of(new_text.value_or(""));
    size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    const size_t start = prefix - std::min(prefix, kContext);
    const size_t tail = std::min(suffix, kContext);
    const size_t a_end = a.size() - suffix + tail, b_end = b.size() - suffix + tail;
    std::string out = "--- " + (old_text ? path : std::string("/dev/null")) + "\n+++ " +
                      (new_text ? path : std::string("/dev/null")) + "\n";
    out += "@@ -" + range(start, a_end - start) + " +" + range(start, b_end - start) + " @@\n";
    for (size_t i = start; i < prefix; ++i) out += " " + a[i];
    for (size_t i = prefix; i < a.size() - suffix; ++i) out += "-" + a[i];
    for (size_t i = prefix; i < b.size() - suffix; ++i) out += "+" + b[i];
    for (size_t i = a.size() - suffix; i < a_end; ++i) out += " " + a[i];
    return out;
}

}  // namespace kdf::lifecycle
