// core/format/reader_needs.h - what the debuggers users open dumps with need from a dump's headers.
//
// Purpose: a dump can be intact page for page and still not open in drgn or crash. drgn reads a
// kdump-compressed file through libkdumpfile, which takes the OS type from the header's utsname
// `version` (empty: "KDUMP_ATTR_ARCH_NAME: Key has no value") and the architecture from `machine`;
// crash checks `release` against its vmlinux. An ELF dump without the kernel-image PT_LOAD
// (kernel-text virtual addresses) leaves drgn unable to reach the page-table root ("recursive
// address translation"). `kdump-failover verify` reports these as warnings, not damage: crash
// still opens such a file through phys_base. makedumpfile's own dumps raise none of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/format/kdump_header.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::format {

// One line per missing piece of a kdump-compressed header; `vmcoreinfo` is the dump's VMCOREINFO
// text ("" when it has none).
std::vector<std::string> kdump_reader_warnings(const kdump::DiskDumpHeader& header, std::string_view vmcoreinfo);

// One line per missing piece of an ELF dump.
std::vector<std::string> elf_reader_warnings(const vmcore::ElfVmcore& core);

}  // namespace kdf::format
