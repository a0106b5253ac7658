#include "core/vmcore/vmcoreinfo.h"

#include <charconv>
#include <string>

namespace kdf::vmcore {

Result<VmcoreInfo> VmcoreInfo::parse(std::string_view text) {
    while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
    VmcoreInfo info;
    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            std::string shown(line.substr(0, 60));
            return Status::error(Code::corrupt, "VMCOREINFO line " + std::to_string(line_no) + " is not KEY=VALUE: '" +
                                                    shown + (line.size() > 60 ? "...'" : "'"));
        }
        info.entries_.push_back(Entry{std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))});
    }
    return info;
}

std::optional<std::string_view> VmcoreInfo::get(std::string_view key) const {
    for (const Entry& e : entries_)
        if (e.key == key) return std::string_view(e.value);
    return std::nullopt;
}

std::optional<std::string_view> VmcoreInfo::get_wrapped(std::string_view kind, std::string_view name) const {
    // KIND(name) without building a string per lookup.
    for (const Entry& e : entries_) {
        std::string_view k = e.key;
        if (k.size() == kind.size() + name.size() + 2 && k.starts_with(kind) && k[kind.size()] == '(' &&
            k.substr(kind.size() + 1, name.size()) == name && k.back() == ')')
            return std::string_view(e.value);
    }
    return std::nullopt;
}

std::optional<uint64_t> VmcoreInfo::parse_hex(std::string_view s) {
    if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> VmcoreInfo::parse_unsigned(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<int64_t> VmcoreInfo::parse_signed(std::string_view s) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::optional<uint64_t> VmcoreInfo::symbol(std::string_view name) const {
    auto v = get_wrapped("SYMBOL", name);
    return v ? parse_hex(*v) : std::nullopt;
}

std::optional<int64_t> VmcoreInfo::number(std::string_view name) const {
    auto v = get_wrapped("NUMBER", name);
    return v ? parse_signed(*v) : std::nullopt;
}

std::optional<uint64_t> VmcoreInfo::number_bits(std::string_view name) const {
    auto v = get_wrapped("NUMBER", name);
    if (!v) return std::nullopt;
    if (v->starts_with("0x") || v->starts_with("0X")) return parse_hex(*v);
    auto d = parse_signed(*v);
    return d ? std::optional<uint64_t>(static_cast<uint64_t>(*d)) : std::nullopt;  // two's complement
}

std::optional<uint64_t> VmcoreInfo::offset(std::string_view member) const {
    auto v = get_wrapped("OFFSET", member);
    return v ? parse_unsigned(*v) : std::nullopt;
}

std::optional<uint64_t> VmcoreInfo::size(std::string_view type) const {
    auto v = get_wrapped("SIZE", type);
    return v ? parse_unsigned(*v) : std::nullopt;
}

std::optional<uint64_t> VmcoreInfo::length(std::string_view name) const {
    auto v = get_wrapped("LENGTH", name);
    return v ? parse_unsigned(*v) : std::nullopt;
}

std::optional<uint64_t> VmcoreInfo::page_size() const {
    auto v = get("PAGESIZE");
    return v ? parse_unsigned(*v) : std::nullopt;
}

std::optional<std::string_view> VmcoreInfo::osrelease() const { return get("OSRELEASE"); }

std::optional<uint64_t> VmcoreInfo::kerneloffset() const {
    auto v = get("KERNELOFFSET");
    return v ? parse_hex(*v) : std::nullopt;
}

std::optional<int64_t> VmcoreInfo::crashtime() const {
    auto v = get("CRASHTIME");
    return v ? parse_signed(*v) : std::nullopt;
}

}  // namespace kdf::vmcore
