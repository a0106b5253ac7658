// core/arch/arm64/arm64_layout.cpp - see arm64_layout.h.
#include "core/arch/arm64/arm64_layout.h"

#include <bit>
#include <cstdio>

#include "core/common/number_text.h"

namespace kdf::arch {
namespace {

using common::hex;

// The kernel's Kconfig choices: which VA sizes each granule offers.
bool va_size_exists(uint64_t page_size, int bits) {
    switch (page_size) {
        case 4096: return bits == 39 || bits == 48 || bits == 52;
        case 16384: return bits == 36 || bits == 47 || bits == 48 || bits == 52;
        case 65536: return bits == 42 || bits == 48 || bits == 52;
        default: return false;
    }
}

// A NUMBER() key: absent -> nullopt; present but not a number -> an error naming it.
struct NumberReader {
    const vmcore::VmcoreInfo& info;
    const std::string& path;
    Status failure;

    std::optional<uint64_t> get(const std::string& key) {
        if (!info.get("NUMBER(" + key + ")")) return std::nullopt;
        auto v = info.number_bits(key);
        if (!v && failure.is_ok())
            failure = Status::error(Code::corrupt, path + ": VMCOREINFO NUMBER(" + key + ")=" +
                                                       std::string(*info.get("NUMBER(" + key + ")")) +
                                                       " is not a number: kernel addresses cannot be translated");
        return v;
    }
};

// True when OSRELEASE names 5.11 or later; false when older or not readable.
bool release_at_least_5_11(const vmcore::VmcoreInfo& info) {
    auto rel = info.osrelease();
    if (!rel) return false;
    int major = 0, minor = 0;
    if (std::sscanf(std::string(*rel).c_str(), "%d.%d", &major, &minor) != 2) return false;
    return major > 5 || (major == 5 && minor >= 11);
}

}  // namespace

Result<Arm64Layout> Arm64Layout::from(const vmcore::VmcoreInfo& info, const std::string& path) {
    auto bad = [&](const std::string& why) {
        return Status::error(Code::corrupt, path + ": VMCOREINFO " + why + ": kernel addresses cannot be translated");
    };
    // A key the kernel is too old to export: nothing is wrong with the dump, this reader cannot use it.
    auto missing = [&](const std::string& key, const char* since) {
        return Status::error(Code::not_supported, path + ": VMCOREINFO has no " + key + " (arm64 kernels export it since " +
                                                      since + "): kernel addresses cannot be translated");
    };
    NumberReader numbers{info, path, Status::ok()};
    Arm64Layout l;

    auto page = info.page_size();
    if (!page) return bad("has no PAGESIZE");
    if (*page != 4096 && *page != 16384 && *page != 65536)
        return bad("PAGESIZE=" + std::to_string(*page) + " is not an arm64 granule (4096, 16384 or 65536)");
    l.page_size = *page;
    l.page_shift = std::countr_zero(*page);

    auto va = numbers.get("VA_BITS");
    if (!numbers.failure.is_ok()) return numbers.failure;
    if (!va) return missing("NUMBER(VA_BITS)", "4.12");
    if (*va > 64 || !va_size_exists(l.page_size, static_cast<int>(*va)))
        return bad("NUMBER(VA_BITS)=" + std::to_string(static_cast<int64_t>(*va)) + " is not a VA size of the " +
                   std::to_string(l.page_size / 1024) + " KiB granule");
    l.va_bits = static_cast<int>(*va);

    auto t1sz = numbers.get("TCR_EL1_T1SZ");
    if (!numbers.failure.is_ok()) return numbers.failure;
    if (t1sz) {
        const int actual = *t1sz < 64 ? 64 - static_cast<int>(*t1sz) : 0;
        // Only a 52-bit kernel may run smaller, and only at its granule's fallback size.
        const bool fallback = l.va_bits == 52 && (actual == 48 || (actual == 47 && l.page_size == 16384));
        if (actual != l.va_bits && !(fallback && va_size_exists(l.page_size, actual)))
            return bad("NUMBER(TCR_EL1_T1SZ)=" + hex(*t1sz) + " (" + std::to_string(actual) +
                       "-bit kernel VA) does not fit NUMBER(VA_BITS)=" + std::to_string(l.va_bits));
        l.va_bits_actual = actual;
    } else if (l.va_bits == 52) {
        // 5.4 to 5.8 do not export T1SZ. mem_section is a linear-map address: in the 52-bit layout
        // the linear map is below -(1 << 51), in the 48-bit one above it.
        auto ms = info.symbol("mem_section");
        if (!ms) return bad("has NUMBER(VA_BITS)=52 but neither NUMBER(TCR_EL1_T1SZ) nor SYMBOL(mem_section)");
        l.va_bits_actual = (*ms & (1ULL << 51)) != 0 ? (l.page_size == 16384 ? 47 : 48) : 52;
    } else {
        l.va_bits_actual = l.va_bits;
    }
    // ARM64_HW_PGTABLE_LEVELS: each level resolves page_shift - 3 bits above the page offset.
    l.levels = (l.va_bits_actual - 4) / (l.page_shift - 3);

    auto pa = numbers.get("MAX_PHYSMEM_BITS");
    if (!numbers.failure.is_ok()) return numbers.failure;
    if (pa && *pa != 48 && *pa != 52)  // CONFIG_ARM64_PA_BITS offers these two
        return bad("NUMBER(MAX_PHYSMEM_BITS)=" + std::to_string(*pa) + " is neither 48 nor 52");
    // Kernels before the key (5.8 and older): CONFIG_ARM64_PA_BITS is 52 only beside 52-bit VAs
    // in practice, as makedumpfile assumes.
    l.pa_bits = pa ? static_cast<int>(*pa) : (l.va_bits == 52 ? 52 : 48);
    l.lpa2 = l.pa_bits == 52 && l.page_size != 65536 && l.va_bits_actual == 52;

    auto phys = numbers.get("PHYS_OFFSET");
    if (!numbers.failure.is_ok()) return numbers.failure;
    if (!phys) return missing("NUMBER(PHYS_OFFSET)", "4.12");
    l.phys_offset = *phys;
    l.kimage_voffset = numbers.get("kimage_voffset");
    auto pac = numbers.get("KERNELPACMASK");
    if (!numbers.failure.is_ok()) return numbers.failure;
    l.pac_mask = pac.value_or(0);

    auto root = info.symbol("swapper_pg_dir");
    if (!root) return bad("has no SYMBOL(swapper_pg_dir)");  // exported by every kernel with VMCOREINFO
    if (*root % l.page_size != 0 || *root < l.kernel_space_start())
        return bad("SYMBOL(swapper_pg_dir)=" + hex(*root) + " is not a page-aligned kernel address");
    l.root_vaddr = *root;

    // Where the image is tells the layout (see the header); swapper_pg_dir is in the image too.
    const uint64_t image = info.symbol("_stext").value_or(*root);
    const int va_min = l.va_bits > 48 ? 48 : l.va_bits;
    l.flipped = image > (~0ULL << (va_min - 1));
    if (l.flipped) {
        l.linear_base = ~0ULL << l.va_bits;
        l.linear_start = ~0ULL << l.va_bits_actual;
        // PAGE_END: 5.4 to 5.10 end the linear map halfway up the kernel half the CPU runs
        // (_PAGE_END(vabits_actual)); 5.11 ends it at _PAGE_END(VA_BITS_MIN), where a 48-bit (47
        // on 16 KiB) kernel's ends, so a 52-bit kernel's linear map is longer and the KASAN shadow,
        // modules and vmalloc sit above it at the same place whatever the CPU. When the release is
        // unknown the shorter (older) end is used: past it the walk decides, which is never wrong.
        const int va_bits_min = l.va_bits > 48 ? (l.page_size == 16384 ? 47 : 48) : l.va_bits;
        const int end_bits = release_at_least_5_11(info) ? va_bits_min : l.va_bits_actual;
        l.linear_end = ~0ULL << (end_bits - 1);
    } else {
        l.linear_base = ~0ULL << (l.va_bits - 1);
        l.linear_start = l.linear_base;
        l.linear_end = 0;
    }
    return l;
}

}  // namespace kdf::arch
