#include "tools/mkvmcore/mkvmcore_options.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string_view>

namespace kdf::mkvmcore {
namespace {

Status bad(const std::string& text) { return Status::error(Code::invalid_config, text); }

Result<uint64_t> parse_uint(std::string_view s, const std::string& what) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
        return bad(what + ": '" + std::string(s) + "' is not a non-negative integer");
    return v;
}

Result<PageMix> parse_mix(std::string_view s) {
    PageMix mix{0, 0, 0, 0};
    while (!s.empty()) {
        size_t comma = s.find(',');
        std::string_view item = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
        size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            return bad("--mix: '" + std::string(item) + "' is not KIND=WEIGHT (kinds: zero, repeat, random, text)");
        std::string_view key = item.substr(0, eq);
        auto weight = parse_uint(item.substr(eq + 1), "--mix " + std::string(key));
        if (!weight.is_ok()) return weight.take_status();
        if (weight.value() > 1'000'000) return bad("--mix " + std::string(key) + ": weight above 1000000");
        auto w = static_cast<uint32_t>(weight.value());
        if (key == "zero") mix.zero = w;
        else if (key == "repeat") mix.repeat = w;
        else if (key == "random") mix.random = w;
        else if (key == "text") mix.text = w;
        else return bad("--mix: unknown page kind '" + std::string(key) + "' (kinds: zero, repeat, random, text)");
    }
    if (mix.total() == 0) return bad("--mix: all weights are zero");
    return mix;
}

// The VA_BITS choices Linux offers per granule (arch/arm64/Kconfig), 36-bit left out.
Status check_arm64_va_bits(uint64_t page_size, uint32_t va_bits) {
    const bool ok = va_bits == 48 || va_bits == 52 || (page_size == 4096 && va_bits == 39) ||
                    (page_size == 16384 && va_bits == 47) || (page_size == 65536 && va_bits == 42);
    if (ok) return Status::ok();
    return bad("--va-bits: " + std::to_string(va_bits) + " is not a " + std::to_string(page_size / 1024) +
               "K-page configuration (4K: 39 48 52; 16K: 47 48 52; 64K: 42 48 52)");
}

}  // namespace

const char* usage_text() noexcept {
    return "usage: kdf-mkvmcore [--size SIZE] [--seed N] [--cpus N] [--mix zero=25,repeat=25,random=25,text=25] "
           "[-v] OUT\n"
           "Writes a sample x86_64 ELF vmcore shaped like /proc/vmcore (sparse file; deterministic from --seed);\n"
           "in kernel mode also an arm64 one (--arch arm64).\n"
           "  --size SIZE  bytes of memory segments, e.g. 64M, 1G (default 64M, min 4M, max 1T)\n"
           "  --seed N     content and layout seed (default 1)\n"
           "  --cpus N     NT_PRSTATUS notes (default 2)\n"
           "  --mix ...    relative weights of page kinds (missing kinds weigh 0)\n"
           "  -v           print the layout written\n"
           "Kernel mode (a vmcore makedumpfile can filter; each option below implies --kernel):\n"
           "  --kernel             page tables, vmemmap mem_map, 6.1 VMCOREINFO, printk ring; --size is RAM\n"
           "  --classes C=W,...    share of page classes: free pcp cache cache_private swapcache user thp\n"
           "                       hugetlb kernel zero slab offline hwpoison (default free=30,pcp=1,cache=18,\n"
           "                       cache_private=3,swapcache=2,user=18,thp=6,hugetlb=3,kernel=8,zero=3,slab=6,\n"
           "                       offline=1,hwpoison=1; missing classes weigh 0)\n"
           "  --paging 4|5         page-table levels (default 4)\n"
           "  --kaslr              randomise page_offset_base and vmemmap_base from --seed\n"
           "  --holes N            holes between RAM PT_LOADs above 1 MiB (default 1, max 64)\n"
           "  --manifest FILE      write \"START_PFN COUNT CLASS\" per run of equal class\n"
           "  --checks FILE        write \"NAME VADDR EXPECTED\" lines: addresses of each mapping kind and what\n"
           "                       they translate to (a physical address, not_found or corrupt)\n"
           "  --arch x86_64|arm64  the crashed machine (default x86_64); arm64 writes an EM_AARCH64 vmcore\n"
           "  --page-size 4K|16K|64K   arm64 granule (default 4K)\n"
           "  --va-bits N          arm64 VA_BITS: 39 or 48 (4K), 47 or 48 (16K), 42 or 48 (64K), or 52\n"
           "                       (52-bit VA and PA: LPA2 with 4K/16K, LPA with 64K; RAM above 2^48)\n";
}

Result<uint64_t> parse_size(const std::string& text) {
    std::string_view s = text;
    uint64_t unit = 1;
    if (s.ends_with("iB")) s.remove_suffix(2);
    else if (s.ends_with("B")) s.remove_suffix(1);
    if (!s.empty()) {
        switch (s.back()) {
        case 'K': case 'k': unit = 1ULL << 10; break;
        case 'M': case 'm': unit = 1ULL << 20; break;
        case 'G': case 'g': unit = 1ULL << 30; break;
        case 'T': case 't': unit = 1ULL << 40; break;
        default: break;
        }
        if (unit != 1) s.remove_suffix(1);
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size())
        return bad("--size: '" + text + "' is not a size (use e.g. 64M, 1G)");
    if (v > std::numeric_limits<uint64_t>::max() / unit) return bad("--size: '" + text + "' is too large");
    return v * unit;
}

Result<MkvmcoreOptions> parse_options(const std::vector<std::string>& args) {
    MkvmcoreOptions o;
    bool arch_given = false, arm64_only = false, paging_given = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool has_inline = false;
        if (arg.starts_with("--") && arg.find('=') != std::string::npos) {
            value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            has_inline = true;
        }
        auto take = [&]() -> Result<std::string> {
            if (has_inline) return value;
            if (i + 1 >= args.size()) return bad(arg + " needs a value");
            return args[++i];
        };
        if (arg == "-h" || arg == "--help") {
            o.help = true;
        } else if (arg == "-v" || arg == "--verbose") {
            o.verbose = true;
        } else if (arg == "--size") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto size = parse_size(v.value());
            if (!size.is_ok()) return size.take_status();
            if (size.value() < kMinSize || size.value() > kMaxSize)
                return bad("--size: " + v.value() + " is outside 4M..1T");
            o.size = size.value();
        } else if (arg == "--seed") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto seed = parse_uint(v.value(), "--seed");
            if (!seed.is_ok()) return seed.take_status();
            o.seed = seed.value();
        } else if (arg == "--cpus") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto cpus = parse_uint(v.value(), "--cpus");
            if (!cpus.is_ok()) return cpus.take_status();
            if (cpus.value() < 1 || cpus.value() > kMaxCpus) return bad("--cpus: " + v.value() + " is outside 1..8192");
            o.cpus = static_cast<uint32_t>(cpus.value());
        } else if (arg == "--mix") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto mix = parse_mix(v.value());
            if (!mix.is_ok()) return mix.take_status();
            o.mix = mix.value();
        } else if (arg == "--kernel") {
            o.kernel = true;
        } else if (arg == "--kaslr") {
            o.kernel = o.kaslr = true;
        } else if (arg == "--classes") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto mix = parse_class_mix(v.value());
            if (!mix.is_ok()) return mix.take_status();
            o.classes = mix.value();
            o.kernel = true;
        } else if (arg == "--paging") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            if (v.value() != "4" && v.value() != "5") return bad("--paging: '" + v.value() + "' is not 4 or 5");
            o.paging = v.value() == "5" ? 5 : 4;
            o.kernel = paging_given = true;
        } else if (arg == "--holes") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto holes = parse_uint(v.value(), "--holes");
            if (!holes.is_ok()) return holes.take_status();
            if (holes.value() > kMaxHoles) return bad("--holes: " + v.value() + " is above 64");
            o.holes = static_cast<uint32_t>(holes.value());
            o.kernel = true;
        } else if (arg == "--manifest") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            if (v.value().empty()) return bad("--manifest needs a file name");
            o.manifest = v.value();
            o.kernel = true;
        } else if (arg == "--checks") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            if (v.value().empty()) return bad("--checks needs a file name");
            o.checks = v.value();
            o.kernel = true;
        } else if (arg == "--arch") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            if (v.value() != "x86_64" && v.value() != "arm64")
                return bad("--arch: '" + v.value() + "' is not x86_64 or arm64");
            o.arch = v.value() == "arm64" ? Arch::arm64 : Arch::x86_64;
            o.kernel = true;
            arch_given = true;
        } else if (arg == "--page-size") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            if (v.value() != "4K" && v.value() != "16K" && v.value() != "64K")
                return bad("--page-size: '" + v.value() + "' is not 4K, 16K or 64K");
            o.page_size = v.value() == "4K" ? 4096 : v.value() == "16K" ? 16384 : 65536;
            o.kernel = arm64_only = true;
        } else if (arg == "--va-bits") {
            auto v = take();
            if (!v.is_ok()) return v.take_status();
            auto bits = parse_uint(v.value(), "--va-bits");
            if (!bits.is_ok()) return bits.take_status();
            o.va_bits = static_cast<uint32_t>(std::min<uint64_t>(bits.value(), 1000));
            o.kernel = arm64_only = true;
        } else if (arg.starts_with("-") && arg != "-") {
            return bad("unknown option '" + arg + "' (see --help)");
        } else if (o.out.empty()) {
            o.out = arg;
        } else {
            return bad("more than one output file ('" + o.out + "' and '" + arg + "')");
        }
    }
    if (!o.help && o.out.empty()) return bad("missing output file (see --help)");
    if (o.kernel && o.size < kMinKernelSize) return bad("--size: --kernel needs at least 32M of RAM");
    if (arm64_only && !arch_given) o.arch = Arch::arm64;
    if (o.arch == Arch::x86_64 && arm64_only) return bad("--page-size and --va-bits are arm64 options (--arch arm64)");
    if (o.arch == Arch::arm64) {
        if (paging_given) return bad("--paging is an x86_64 option (arm64 levels follow --page-size and --va-bits)");
        if (Status st = check_arm64_va_bits(o.page_size, o.va_bits); !st.is_ok()) return st;
    }
    return o;
}

}  // namespace kdf::mkvmcore
