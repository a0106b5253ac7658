#include "tools/mkvmcore/page_class.h"

#include <charconv>

namespace kdf::mkvmcore {
namespace {

constexpr std::array<const char*, kPageClassCount> kNames = {
    "free", "pcp", "cache", "cache_private", "swapcache", "user", "thp", "hugetlb", "kernel", "zero", "slab",
    "offline", "hwpoison", "reserved", "pagetable",
};

}  // namespace

const char* class_name(PageClass c) noexcept { return kNames[static_cast<size_t>(c)]; }

std::optional<PageClass> class_from_name(std::string_view name) noexcept {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (name == kNames[i]) return static_cast<PageClass>(i);
    return std::nullopt;
}

uint64_t ClassMix::total() const noexcept {
    uint64_t t = 0;
    for (uint32_t w : weight) t += w;
    return t;
}

ClassMix default_class_mix() noexcept {
    ClassMix m;
    m[PageClass::free] = 30;
    m[PageClass::pcp] = 1;
    m[PageClass::cache] = 18;
    m[PageClass::cache_private] = 3;
    m[PageClass::swapcache] = 2;
    m[PageClass::user] = 18;
    m[PageClass::thp] = 6;
    m[PageClass::hugetlb] = 3;
    m[PageClass::kernel] = 8;
    m[PageClass::zero] = 3;
    m[PageClass::slab] = 6;
    m[PageClass::offline] = 1;
    m[PageClass::hwpoison] = 1;
    return m;
}

Result<ClassMix> parse_class_mix(std::string_view s) {
    auto bad = [](const std::string& t) { return Status::error(Code::invalid_config, "--classes: " + t); };
    ClassMix mix;
    while (!s.empty()) {
        const size_t comma = s.find(',');
        const std::string_view item = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        const size_t eq = item.find('=');
        const auto cls = class_from_name(item.substr(0, eq == std::string_view::npos ? item.size() : eq));
        if (eq == std::string_view::npos || !cls || static_cast<size_t>(*cls) >= kWeightedClassCount)
            return bad("'" + std::string(item) +
                       "' is not CLASS=WEIGHT (classes: free, pcp, cache, cache_private, swapcache, user, thp, "
                       "hugetlb, kernel, zero, slab, offline, hwpoison)");
        const std::string_view num = item.substr(eq + 1);
        uint64_t w = 0;
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), w, 10);
        if (num.empty() || ec != std::errc{} || p != num.data() + num.size() || w > 1'000'000)
            return bad("weight '" + std::string(num) + "' is not an integer in 0..1000000");
        mix[*cls] = static_cast<uint32_t>(w);
    }
    if (mix.total() == 0) return bad("all weights are zero");
    return mix;
}

}  // namespace kdf::mkvmcore
