// core/format/reader_needs.cpp - see reader_needs.h.
#include "core/format/reader_needs.h"

#include <algorithm>

#include "core/vmcore/elf_layout.h"
#include "core/vmcore/vmcoreinfo.h"

namespace kdf::format {
namespace {

// x86_64's kernel text mapping starts here; direct-map addresses are below it.
constexpr uint64_t kX86KernelTextBase = 0xffffffff80000000ULL;

}  // namespace

std::vector<std::string> kdump_reader_warnings(const kdump::DiskDumpHeader& header, std::string_view vmcoreinfo) {
    std::vector<std::string> out;
    const kdump::Utsname& u = header.utsname;
    if (u.version.empty())
        out.push_back("header utsname has no version: drgn (libkdumpfile) cannot tell the OS type and will not open "
                      "the dump (makedumpfile copies the crashed kernel's init_uts_ns there)");
    if (u.machine.empty())
        out.push_back("header utsname has no machine: libkdumpfile cannot tell the architecture");
    if (vmcoreinfo.empty()) {
        out.push_back("no VMCOREINFO: drgn and crash cannot locate the kernel's symbols in it");
        return out;
    }
    auto info = vmcore::VmcoreInfo::parse(vmcoreinfo);
    const auto osrelease = info.is_ok() ? info->osrelease() : std::nullopt;
    if (u.release.empty())
        out.push_back("header utsname has no release: crash cannot check it against a vmlinux");
    else if (osrelease && u.release != *osrelease)
        out.push_back("header utsname release '" + u.release + "' is not VMCOREINFO's OSRELEASE '" +
                      std::string(*osrelease) + "': crash will refuse the kernel's own vmlinux");
    return out;
}

std::vector<std::string> elf_reader_warnings(const vmcore::ElfVmcore& core) {
    std::vector<std::string> out;
    if (!core.has_vmcoreinfo()) out.push_back("no VMCOREINFO note: drgn and crash cannot locate the kernel's symbols in it");
    const auto& segs = core.segments();
    if (segs.empty()) return out;
    bool maps_image = true;
    if (core.machine() == vmcore::elf::kEmX86_64)
        maps_image = std::any_of(segs.begin(), segs.end(), [](const vmcore::LoadSegment& s) { return s.vaddr >= kX86KernelTextBase; });
    else if (const auto stext = core.vmcoreinfo().symbol("_stext"); stext && core.machine() == vmcore::elf::kEmAarch64)
        // arm64's kernel image lies in the vmalloc area at a KASLR-chosen address: a PT_LOAD must hold _stext.
        maps_image = std::any_of(segs.begin(), segs.end(), [&](const vmcore::LoadSegment& s) {
            return *stext >= s.vaddr && *stext - s.vaddr < s.mem_size;
        });
    if (!maps_image)
        out.push_back("no PT_LOAD maps the kernel image (kernel-text addresses): drgn cannot reach the page-table "
                      "root (\"recursive address translation\")");
    return out;
}

}  // namespace kdf::format
