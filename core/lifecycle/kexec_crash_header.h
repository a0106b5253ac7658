// core/lifecycle/kexec_crash_header.h - on arm64: will the crash kernel's ELF core header be sound?
//
// /proc/vmcore in the crash kernel is made from an ELF core header prepared when the crash kernel
// is loaded. With the kexec_load system call (what `kexec -p` uses unless given `-s`) kexec-tools
// writes that header itself, and on arm64 it places the kernel image and the linear map from the
// `_text` symbol of /proc/kallsyms. Kernels built without CONFIG_KALLSYMS_ALL (Debian's arm64
// kernels among them) list no `_text`: kexec-tools warns, still loads, and the header it writes
// has a kernel-image segment with a garbage address and size, so the crash kernel's /proc/vmcore
// cannot be read and no dump is saved, by us or by makedumpfile.
//
// Two fixes: kexec_file_load (`kexec -s`), where the kernel builds the header itself, on kernels
// built with CONFIG_KEXEC_FILE (kdump-tools passes KDUMP_KEXEC_ARGS from /etc/default/kdump-tools,
// kdumpctl KEXEC_ARGS from /etc/sysconfig/kdump); otherwise, a /proc/kallsyms with a `_text` line
// (= `_stext` minus the offset of .text in the kernel Image) bind-mounted over the real one while
// `kexec -p` runs.
//
// The machine is the system's, never the build's: uname on the running system; under a sandbox
// root, its /proc/sys/kernel/arch, else the architecture its kernel config names.
#pragma once

#include <optional>
#include <string>

#include "core/lifecycle/distribution.h"
#include "core/lifecycle/node_status.h"
#include "core/lifecycle/sandbox_root.h"

namespace kdf::lifecycle {

// The `kexec_crash_header` check on an arm64 system; nullopt on any other machine (the problem is
// arm64's alone). `release` is the running kernel's ("" under a sandbox root: then the root's
// /proc/sys/kernel/osrelease, else its newest /boot/config-*).
std::optional<StatusCheck> check_kexec_crash_header(const SandboxRoot& root, const Distribution& distro,
                                                    const std::string& release);

// The offset of .text (where `_stext` lies) from the start of an uncompressed arm64 kernel Image,
// read from its PE/COFF header; nullopt for anything else.
std::optional<uint64_t> arm64_image_text_offset(const std::string& image_bytes);

}  // namespace kdf::lifecycle
