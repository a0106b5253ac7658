#include "core/chain/peak_memory.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace kdf::chain {

std::optional<uint64_t> parse_vm_hwm_kib(std::string_view text) {
    constexpr std::string_view key = "VmHWM:";
    size_t at = 0;
    while ((at = text.find(key, at)) != std::string_view::npos) {
        if (at == 0 || text[at - 1] == '\n') break;
        at += key.size();
    }
    if (at == std::string_view::npos) return std::nullopt;
    size_t p = at + key.size();
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    uint64_t kib = 0;
    auto [end, ec] = std::from_chars(text.data() + p, text.data() + text.size(), kib);
    if (ec != std::errc() || end == text.data() + p) return std::nullopt;
    return kib;
}

std::optional<uint64_t> self_peak_rss_kib() {
    std::ifstream in("/proc/self/status");
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return parse_vm_hwm_kib(text.str());
}

}  // namespace kdf::chain
