#include "core/lifecycle/unified_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace kdf::lifecycle {

namespace {

constexpr size_t kContext = 3;
// Above this many line pairs the longest common subsequence table is not built: the lines between
// the first and the last difference become one changed block (still an exact diff, only longer).
constexpr size_t kMaxTable = size_t{4} << 20;

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

enum class Op : uint8_t { same, del, add };

// The edit script from a to b: the longest common subsequence, deletions before insertions.
std::vector<Op> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    const size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
    std::vector<Op> ops(prefix, Op::same);
    if ((n + 1) * (m + 1) > kMaxTable) {
        ops.insert(ops.end(), n, Op::del);
        ops.insert(ops.end(), m, Op::add);
    } else {
        // lcs[i][j]: the longest common subsequence of a[prefix+i..] and b[prefix+j..].
        std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
        auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                at(i, j) = a[prefix + i] == b[prefix + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
                ops.push_back(Op::same), ++i, ++j;
            } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
                ops.push_back(Op::del), ++i;
            } else {
                ops.push_back(Op::add), ++j;
            }
        }
    }
    ops.insert(ops.end(), suffix, Op::same);
    return ops;
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
    const auto ops = edit_script(a, b);
    std::string out = "--- " + (old_text ? path : std::string("/dev/null")) + "\n+++ " +
                      (new_text ? path : std::string("/dev/null")) + "\n";
    // Hunks: each change with up to kContext unchanged lines around it; changes closer than twice
    // that share a hunk, as diff -u groups them.
    size_t k = 0;
    while (k < ops.size()) {
        while (k < ops.size() && ops[k] == Op::same) ++k;
        if (k == ops.size()) break;
        const size_t begin = k - std::min(k, kContext);
        size_t end = k;  // one past the last change of the hunk
        for (size_t p = k; p < ops.size(); ++p) {
            if (ops[p] != Op::same) end = p + 1;
            else if (p - end >= 2 * kContext) break;
        }
        const size_t stop = std::min(ops.size(), end + kContext);
        size_t ai = 0, bi = 0;
        for (size_t p = 0; p < begin; ++p) {
            if (ops[p] != Op::add) ++ai;
            if (ops[p] != Op::del) ++bi;
        }
        size_t a_count = 0, b_count = 0;
        std::string body;
        size_t x = ai, y = bi;
        for (size_t p = begin; p < stop; ++p) {
            switch (ops[p]) {
                case Op::same: body += " " + a[x++], ++y, ++a_count, ++b_count; break;
                case Op::del: body += "-" + a[x++], ++a_count; break;
                case Op::add: body += "+" + b[y++], ++b_count; break;
            }
        }
        out += "@@ -" + range(ai, a_count) + " +" + range(bi, b_count) + " @@\n" + body;
        k = stop;
    }
    return out;
}

}  // namespace kdf::lifecycle
