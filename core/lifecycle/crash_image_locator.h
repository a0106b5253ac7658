// core/lifecycle/crash_image_locator.h - which file is the crash kernel's initramfs here.
//
// Each distribution's kdump names the image it loads with kexec:
//   kdump-tools (Debian, Ubuntu):  /var/lib/kdump/initrd.img-<release>
//   kdumpctl (RHEL, Fedora):       /boot/initramfs-<release>kdump.img
// For the running kernel's release; under a sandbox root, whose running kernel is unknown, the
// newest such image.
#pragma once

#include <string>

#include "core/lifecycle/distribution.h"

namespace kdf::lifecycle {

struct CrashImage {
    std::string path;     // as on the system; "" when none was found
    std::string looked;   // what was looked for, for the message when none was found
};

// `release`: the running kernel's release (uname -r), "" under a sandbox root.
CrashImage locate_crash_image(const Distribution& d, const SandboxRoot& root, const std::string& release);

}  // namespace kdf::lifecycle
