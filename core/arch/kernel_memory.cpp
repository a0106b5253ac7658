// core/arch/kernel_memory.cpp - see kernel_memory.h.
#include "core/arch/kernel_memory.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/arch/arm64/arm64_translator.h"
#include "core/arch/x86_64/x86_64_translator.h"
#include "core/vmcore/elf_layout.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::arch {

using vmcore::elf::kEmAarch64;
using vmcore::elf::kEmX86_64;

Result<KernelMemory> KernelMemory::open(const vmcore::PhysicalMemory& core) {
    if (!core.has_vmcoreinfo())
        return Status::error(Code::corrupt, core.path() + ": no VMCOREINFO note: kernel addresses cannot be translated");
    if (core.machine() == kEmX86_64) {
        auto t = X86_64Translator::create(core);
        if (!t.is_ok()) return t.take_status();
        return KernelMemory(core, std::move(t).value());
    }
    if (core.machine() == kEmAarch64) {
        auto t = Arm64Translator::create(core);
        if (!t.is_ok()) return t.take_status();
        return KernelMemory(core, std::move(t).value());
    }
    char what[96];
    std::snprintf(what, sizeof what, ": address translation for ELF machine %u is not implemented (x86_64 and arm64 only)",
                  core.machine());
    return Status::error(Code::not_supported, core.path() + what);
}

Status KernelMemory::read(uint64_t vaddr, std::span<std::byte> out) const {
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = vaddr + done;
        auto t = translator_->translate(at);
        if (!t.is_ok()) return t.take_status();
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, std::max<uint64_t>(1, t.value().contiguous)));
        Status s = memory_->read_phys(t.value().paddr, out.subspan(done, n));
        if (!s.is_ok()) return s;
        done += n;
    }
    return Status::ok();
}

Result<uint64_t> KernelMemory::read_u64(uint64_t vaddr) const {
    std::array<std::byte, 8> b{};
    Status s = read(vaddr, b);
    if (!s.is_ok()) return s;
    return vmcore::load_le64(b.data());
}

Result<uint32_t> KernelMemory::read_u32(uint64_t vaddr) const {
    std::array<std::byte, 4> b{};
    Status s = read(vaddr, b);
    if (!s.is_ok()) return s;
    return vmcore::load_le32(b.data());
}

}  // namespace kdf::arch
