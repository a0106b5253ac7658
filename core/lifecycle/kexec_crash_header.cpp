#include "core/lifecycle/kexec_crash_header.h"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/lifecycle/node_actions.h"

namespace kdf::lifecycle {

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// The first `n` bytes of a file (a kernel Image's headers), or "" when unreadable.
std::string file_head(const std::string& path, size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::string out(n, '\0');
    in.read(out.data(), static_cast<std::streamsize>(n));
    out.resize(static_cast<size_t>(in.gcount()));
    return out;
}

// Does /proc/kallsyms list `_text`? nullopt when it cannot be read. Read line by line: the file is
// several MiB on a kernel with every symbol.
std::optional<bool> kallsyms_has_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string line;
    bool any = false;
    while (std::getline(in, line)) {
        any = true;
        // "ffff800008000000 T _text": address, type, name (and " [module]" for module symbols).
        const size_t sp = line.rfind(' ');
        if (sp != std::string::npos && line.compare(sp + 1, std::string::npos, "_text") == 0 && sp >= 2 &&
            (line[sp - 1] == 'T' || line[sp - 1] == 't'))
            return true;
    }
    if (!any) return std::nullopt;
    return false;
}

// The kernel release whose /boot/config-* speaks for the system.
std::string pick_release(const SandboxRoot& root, const std::string& release) {
    if (!release.empty()) return release;
    if (auto r = read_in_root(root, "/proc/sys/kernel/osrelease")) return trimmed(*r);
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(root.path("/boot"), ec)) {
        const std::string name = e.path().filename().string();
        if (!name.starts_with("config-")) continue;
        const std::string r = name.substr(7);
        // The newest by version order, as `sort -V` would pick it.
        if (best.empty() || ::strverscmp(best.c_str(), r.c_str()) < 0) best = r;
    }
    return best;
}

std::string machine_of(const SandboxRoot& root, const std::optional<std::string>& config) {
    if (root.is_live()) {
        struct utsname u{};
        if (::uname(&u) == 0) return u.machine;
        return "";
    }
    if (auto a = read_in_root(root, "/proc/sys/kernel/arch")) return trimmed(*a);
    if (config && config->find("\nCONFIG_ARM64=y\n") != std::string::npos) return "aarch64";
    return "";
}

// Does the kernel have kexec_file_load? From its config; on the running system without one, from
// the system call itself: with flags no kernel accepts it loads nothing, and only a kernel without
// it answers ENOSYS. `evidence` says which, for people.
struct FileLoad {
    std::optional<bool> supported;
    std::string evidence;
};

FileLoad kexec_file_supported(const SandboxRoot& root, const std::optional<std::string>& config,
                              const std::string& config_path) {
    if (config) {
        const bool yes = config->find("\nCONFIG_KEXEC_FILE=y\n") != std::string::npos;
        return {yes, std::string(yes ? "CONFIG_KEXEC_FILE=y" : "CONFIG_KEXEC_FILE is not set") + " in " + root.path(config_path)};
    }
#ifdef SYS_kexec_file_load
    if (root.is_live()) {
        errno = 0;
        const long r = ::syscall(SYS_kexec_file_load, -1, -1, 0UL, "", ~0UL);
        const bool yes = !(r == -1 && errno == ENOSYS);
        return {yes, yes ? "the kexec_file_load system call answers" : "the kexec_file_load system call is missing"};
    }
#endif
    return {std::nullopt, "no " + root.path(config_path)};
}

// The loader's extra kexec arguments: kdump-tools' KDUMP_KEXEC_ARGS or kdumpctl's KEXEC_ARGS, as
// the last assignment in its file (the shell's rule), quotes removed.
struct LoaderArgs {
    std::string file;
    std::string variable;
    std::string value;
    std::string reload;  // the command that reloads the crash kernel
};

LoaderArgs loader_args(const SandboxRoot& root, const Distribution& d) {
    LoaderArgs a;
    if (d.family == DistroFamily::rhel) a = {"/etc/sysconfig/kdump", "KEXEC_ARGS", "", "kdumpctl restart"};
    else a = {"/etc/default/kdump-tools", "KDUMP_KEXEC_ARGS", "", "kdump-config reload"};
    std::istringstream text(read_in_root(root, a.file).value_or(""));
    std::string line;
    while (std::getline(text, line)) {
        size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || line.compare(i, a.variable.size() + 1, a.variable + "=") != 0) continue;
        std::string v = trimmed(line.substr(i + a.variable.size() + 1));
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
        a.value = v;
    }
    return a;
}

// `-s`/`--kexec-file-syscall` (kexec_file_load only) or `-a`/`--kexec-syscall-auto` (kexec_file_load
// first) among the arguments.
bool asks_file_load(const std::string& args) {
    std::istringstream words(args);
    std::string w;
    while (words >> w)
        if (w == "-s" || w == "--kexec-file-syscall" || w == "-a" || w == "--kexec-syscall-auto") return true;
    return false;
}

uint32_t le32(const std::string& b, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(b[at + i])) << (8 * i);
    return v;
}

uint16_t le16(const std::string& b, size_t at) {
    return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8));
}

}  // namespace

std::optional<uint64_t> arm64_image_text_offset(const std::string& b) {
    // arm64 Image header: magic "ARM\x64" at 56, the PE header's offset (u32) at 60. PE: "PE\0\0",
    // the COFF header (section count u16 at +6, optional header size u16 at +20), the optional
    // header, then 40-byte section headers: name[8], VirtualSize u32, VirtualAddress u32.
    if (b.size() < 64 || b.compare(56, 4, std::string("ARM\x64", 4)) != 0) return std::nullopt;
    const size_t pe = le32(b, 60);
    if (pe + 24 > b.size() || b.compare(pe, 4, std::string("PE\0\0", 4)) != 0) return std::nullopt;
    const size_t sections = le16(b, pe + 6);
    size_t at = pe + 24 + le16(b, pe + 20);
    for (size_t i = 0; i < sections && at + 40 <= b.size(); ++i, at += 40)
        if (b.compare(at, 8, std::string(".text\0\0\0", 8)) == 0) return le32(b, at + 12);
    return std::nullopt;
}

std::optional<StatusCheck> check_kexec_crash_header(const SandboxRoot& root, const Distribution& distro,
                                                    const std::string& release) {
    const std::string rel = pick_release(root, release);
    const std::string config_path = "/boot/config-" + rel;
    std::optional<std::string> config = rel.empty() ? std::nullopt : read_in_root(root, config_path);
    if (config) config = "\n" + *config;  // every option then starts after a newline
    const std::string machine = machine_of(root, config);
    if (machine != "aarch64") return std::nullopt;

    StatusCheck c{"kexec_crash_header", CheckState::ok, "", {}};
    c.facts.push_back({"machine", json_string(machine)});
    const auto has_text = kallsyms_has_text(root.path("/proc/kallsyms"));
    c.facts.push_back({"kallsyms_text", has_text ? (*has_text ? "true" : "false") : "null"});
    if (!has_text) {
        c.state = CheckState::skipped;
        c.detail = "cannot read " + root.path("/proc/kallsyms") + ": whether kexec-tools finds _text is unknown";
        return c;
    }
    if (*has_text) {
        c.detail = "/proc/kallsyms lists _text: kexec-tools' crash header on arm64 is sound";
        return c;
    }
    const FileLoad fl = kexec_file_supported(root, config, config_path);
    const auto& file_load = fl.supported;
    c.facts.push_back({"kexec_file_load", file_load ? (*file_load ? "true" : "false") : "null"});
    const LoaderArgs args = loader_args(root, distro);
    const bool asked = asks_file_load(args.value);
    c.facts.push_back({"loader_args", json_string(args.value)});
    const std::string problem = "/proc/kallsyms has no _text (kernel built without CONFIG_KALLSYMS_ALL)";
    if (asked && file_load.value_or(false)) {
        c.detail = problem + ", but " + args.variable + " in " + args.file +
                   " asks for kexec_file_load, whose crash header the kernel builds itself";
        return c;
    }
    c.state = CheckState::not_ready;
    std::string workaround = "bind-mount a copy of /proc/kallsyms with a `<_stext - ";
    const auto offset = arm64_image_text_offset(file_head(root.path("/boot/vmlinuz-" + rel), 4096));
    if (offset) c.facts.push_back({"image_text_offset", std::to_string(*offset)});
    workaround += (offset ? hex(*offset) : std::string("the Image's .text offset")) +
                  "> T _text` line over it while `kexec -p` runs (docs/arm64.md)";
    const std::string broken = problem + ": kexec_load writes a broken crash header and no dump will be saved; ";
    if (asked && file_load && !*file_load) {
        c.detail = problem + "; " + args.variable + " in " + args.file + " asks for kexec_file_load, which this kernel "
                   "lacks (" + fl.evidence + "): drop -s and " + workaround;
    } else if (file_load && *file_load) {
        c.detail = broken + "add -s to " + args.variable + " in " + args.file + " (kexec_file_load: " + fl.evidence +
                   "), then `" + args.reload + "`";
    } else if (file_load) {
        c.detail = broken + "this kernel has no kexec_file_load (" + fl.evidence + "), so " + workaround;
    } else {
        c.detail = broken + "add -s to " + args.variable + " in " + args.file + " if the kernel has CONFIG_KEXEC_FILE, "
                   "else " + workaround;
    }
    return c;
}

}  // namespace kdf::lifecycle
