// core/format/kdump_phys_base.cpp - see kdump_phys_base.h.
#include "core/format/kdump_phys_base.h"

#include <algorithm>
#include <optional>

#include "core/vmcore/elf_layout.h"

namespace kdf::format {
namespace {

// x86_64's kernel text mapping starts here; the kernel image is linked at it.
constexpr uint64_t kX86StartKernelMap = 0xffffffff80000000ULL;

uint64_t x86_64_phys_base(const vmcore::ElfVmcore& core) {
    if (auto n = core.vmcoreinfo().number_bits("phys_base")) return *n;  // may be negative: two's complement
    for (const vmcore::LoadSegment& s : core.segments())
        if (s.vaddr >= kX86StartKernelMap) return s.paddr - (s.vaddr - kX86StartKernelMap);
    return 0;  // kernels before 2.6.22 had no relocatable image: the traditional 0
}

// The linear map's start and size on arm64. Kernels from 5.4 on put it at the bottom of the kernel
// half (PAGE_OFFSET = -2^VA_BITS, size 2^(VA_BITS-1)); older ones in its upper half
// (PAGE_OFFSET = -2^(VA_BITS-1)). Which one a kernel uses shows in where its text lies: above the
// old layout's linear map only in the new one.
struct LinearMap {
    uint64_t start = 0;
    uint64_t size = 0;
};

std::optional<LinearMap> arm64_linear_map(const vmcore::VmcoreInfo& info) {
    const auto va_bits = info.number("VA_BITS");
    const auto stext = info.symbol("_stext");
    if (!va_bits || *va_bits < 36 || *va_bits > 52 || !stext) return std::nullopt;
    const int bits = static_cast<int>(*va_bits);
    const uint64_t old_start = ~0ULL << (std::min(bits, 48) - 1);
    if (*stext > old_start) return LinearMap{~0ULL << bits, 1ULL << (bits - 1)};
    return LinearMap{~0ULL << (bits - 1), 1ULL << (bits - 1)};
}

uint64_t arm64_phys_base(const vmcore::ElfVmcore& core) {
    if (auto n = core.vmcoreinfo().number_bits("PHYS_OFFSET")) return *n;  // the kernel prints it in hex
    const auto linear = arm64_linear_map(core.vmcoreinfo());
    if (!linear) return 0;
    for (const vmcore::LoadSegment& s : core.segments())
        if (s.vaddr >= linear->start && s.vaddr - linear->start < linear->size)
            return s.paddr - (s.vaddr - linear->start);
    return 0;
}

}  // namespace

uint64_t kdump_phys_base(const vmcore::ElfVmcore& core) {
    switch (core.machine()) {
    case vmcore::elf::kEmX86_64: return x86_64_phys_base(core);
    case vmcore::elf::kEmAarch64: return arm64_phys_base(core);
    default: return 0;
    }
}

}  // namespace kdf::format
