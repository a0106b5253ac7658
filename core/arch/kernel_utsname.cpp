// core/arch/kernel_utsname.cpp - see kernel_utsname.h.
#include "core/arch/kernel_utsname.h"

#include <array>
#include <cstring>

#include "core/arch/kernel_memory.h"

namespace kdf::arch {
namespace {

constexpr size_t kFieldSize = 65;  // __NEW_UTS_LEN + 1
constexpr size_t kFieldCount = 6;
constexpr uint64_t kOldNameOffset = 4;  // struct kref before the name, until VMCOREINFO named the offset

std::string field(const std::array<std::byte, kFieldSize * kFieldCount>& raw, size_t index) {
    const char* p = reinterpret_cast<const char*>(raw.data() + index * kFieldSize);
    return std::string(p, strnlen(p, kFieldSize));
}

KernelUtsname fallback(const vmcore::ElfVmcore& core, std::string reason) {
    KernelUtsname u;
    u.sysname = "Linux";
    if (core.has_vmcoreinfo()) u.release = std::string(core.vmcoreinfo().osrelease().value_or(""));
    u.machine = utsname_machine(core.machine());
    u.fallback_reason = std::move(reason);
    return u;
}

}  // namespace

std::string utsname_machine(uint16_t e_machine) {
    switch (e_machine) {
    case 62: return "x86_64";    // EM_X86_64
    case 183: return "aarch64";  // EM_AARCH64
    case 21: return "ppc64le";   // EM_PPC64
    case 22: return "s390x";     // EM_S390
    default: return "";
    }
}

KernelUtsname read_kernel_utsname(const vmcore::ElfVmcore& core) {
    if (!core.has_vmcoreinfo()) return fallback(core, "no VMCOREINFO");
    const auto symbol = core.vmcoreinfo().symbol("init_uts_ns");
    if (!symbol) return fallback(core, "VMCOREINFO has no SYMBOL(init_uts_ns)");
    auto memory = KernelMemory::open(core);
    if (!memory.is_ok()) return fallback(core, memory.status().to_string());
    const uint64_t at = *symbol + core.vmcoreinfo().offset("uts_namespace.name").value_or(kOldNameOffset);
    std::array<std::byte, kFieldSize * kFieldCount> raw{};
    if (Status s = memory->read(at, raw); !s.is_ok()) return fallback(core, "init_uts_ns: " + s.to_string());

    KernelUtsname u;
    u.sysname = field(raw, 0);
    u.nodename = field(raw, 1);
    u.release = field(raw, 2);
    u.version = field(raw, 3);
    u.machine = field(raw, 4);
    u.domainname = field(raw, 5);
    u.from_memory = true;
    // A release that disagrees with OSRELEASE means the bytes are not init_uts_ns (a wrong offset,
    // a page the dump lost): makedumpfile refuses such a pair, the header must not carry it.
    const auto osrelease = core.vmcoreinfo().osrelease();
    if (osrelease && u.release != *osrelease)
        return fallback(core, "init_uts_ns release '" + u.release + "' is not VMCOREINFO's OSRELEASE '" +
                                  std::string(*osrelease) + "'");
    return u;
}

}  // namespace kdf::arch
