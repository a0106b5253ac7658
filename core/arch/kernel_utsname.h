// core/arch/kernel_utsname.h - the crashed kernel's own utsname (uname -a of the kernel that died).
//
// Purpose: dump readers identify a kdump-compressed file by the utsname in its header: drgn (through
// libkdumpfile) takes the OS type from a non-empty `version` field, crash compares `release` with
// its vmlinux. makedumpfile copies the whole `struct new_utsname` out of the crashed kernel's
// `init_uts_ns` (SYMBOL(init_uts_ns) + OFFSET(uts_namespace.name) from VMCOREINFO; kernels whose
// VMCOREINFO predates that offset kept a 4-byte kref before the name), so this does the same.
// Where that memory cannot be read, only what VMCOREINFO and the ELF header say is filled in
// (sysname "Linux", OSRELEASE, the machine name) and `from_memory` is false.
#pragma once

#include <string>

#include "core/vmcore/elf_reader.h"

namespace kdf::arch {

struct KernelUtsname {
    std::string sysname, nodename, release, version, machine, domainname;
    bool from_memory = false;  // false: the VMCOREINFO fallback (nodename, version, domainname empty)
    std::string fallback_reason;  // why memory was not used, one line ("" when from_memory)
};

KernelUtsname read_kernel_utsname(const vmcore::ElfVmcore& core);

// The utsname `machine` string of an ELF e_machine ("" when unknown).
std::string utsname_machine(uint16_t e_machine);

}  // namespace kdf::arch
