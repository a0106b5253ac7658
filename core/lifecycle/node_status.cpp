#include "core/lifecycle/node_status.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/config/mount_info.h"
#include "core/lifecycle/crash_image_locator.h"
#include "core/lifecycle/crashkernel_estimate.h"
#include "core/lifecycle/grub_cmdline.h"
#include "core/lifecycle/initramfs_image.h"
#include "core/lifecycle/kexec_crash_header.h"
#include "core/lifecycle/node_actions.h"
#include "core/lifecycle/page_census.h"

namespace kdf::lifecycle {

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string num(uint64_t v) { return std::to_string(v); }

StatusCheck skipped(const std::string& name, const std::string& why) { return {name, CheckState::skipped, why, {}}; }

// Kernel facts exist only on the running system.
struct KernelFacts {
    std::string cmdline;
    uint64_t crash_size = 0;
    bool iomem_crash = false;
    bool loaded = false;
    uint64_t mem_total = 0;
};

KernelFacts read_kernel_facts() {
    KernelFacts k;
    k.cmdline = trimmed(chain::read_small_file("/proc/cmdline").value_or(""));
    k.crash_size = std::strtoull(chain::read_small_file("/sys/kernel/kexec_crash_size").value_or("0").c_str(), nullptr, 10);
    k.iomem_crash = chain::read_small_file("/proc/iomem").value_or("").find("Crash kernel") != std::string::npos;
    k.loaded = trimmed(chain::read_small_file("/sys/kernel/kexec_crash_loaded").value_or("0")) == "1";
    k.mem_total = meminfo_bytes(chain::read_small_file("/proc/meminfo").value_or(""), "MemTotal");
    return k;
}

StatusCheck check_cmdline(const KernelFacts& k) {
    StatusCheck c{"crashkernel_cmdline", CheckState::ok, "", {}};
    const auto value = cmdline_crashkernel(k.cmdline);
    c.facts.push_back({"value", value ? json_string(*value) : "null"});
    if (!value) {
        c.state = CheckState::not_ready;
        c.detail = "/proc/cmdline has no crashkernel=: run `kdump-failover setup`, then reboot";
    } else {
        c.detail = "crashkernel=" + *value + " in /proc/cmdline";
    }
    return c;
}

StatusCheck check_reservation(const KernelFacts& k) {
    StatusCheck c{"reservation", CheckState::ok, "", {}};
    c.facts = {{"bytes", num(k.crash_size)}, {"iomem", k.iomem_crash ? "true" : "false"}};
    if (k.crash_size == 0) {
        c.state = CheckState::not_ready;
        c.detail = "/sys/kernel/kexec_crash_size is 0: no memory is reserved for a crash kernel (too little RAM for "
                   "the crashkernel= range, or not rebooted since setup)";
    } else {
        c.detail = mib_text(k.crash_size) + " reserved (/sys/kernel/kexec_crash_size" +
                   (k.iomem_crash ? ", \"Crash kernel\" in /proc/iomem)" : ")");
    }
    return c;
}

StatusCheck check_loaded(const KernelFacts& k, const Distribution& d) {
    StatusCheck c{"crash_kernel_loaded", k.loaded ? CheckState::ok : CheckState::not_ready, "", {}};
    c.facts = {{"loaded", k.loaded ? "true" : "false"}};
    c.detail = k.loaded ? "a crash kernel is loaded (/sys/kernel/kexec_crash_loaded)"
                        : "no crash kernel is loaded: `systemctl restart " + d.kdump_service + "` and read its journal";
    return c;
}

StatusCheck check_service(const Distribution& d) {
    const std::string unit = d.kdump_service + ".service";
    if (!have_program("systemctl")) return skipped("kdump_service", "systemctl is not here");
    const std::string enabled = trimmed(capture_command({"systemctl", "is-enabled", unit}).out);
    const std::string active = trimmed(capture_command({"systemctl", "is-active", unit}).out);
    const bool good = (enabled == "enabled" || enabled == "static" || enabled == "alias") && active == "active";
    StatusCheck c{"kdump_service", good ? CheckState::ok : CheckState::degraded,
                  unit + ": " + (enabled.empty() ? "unknown" : enabled) + ", " + (active.empty() ? "unknown" : active), {}};
    c.facts = {{"unit", json_string(unit)}, {"enabled", json_string(enabled)}, {"active", json_string(active)}};
    if (!good) c.detail += ": `systemctl enable --now " + unit + "`";
    return c;
}

// Names an image may hold a system path under: itself, and with /usr merged or not.
std::vector<std::string> image_names(const std::string& system_path) {
    std::string n = system_path;
    while (n.starts_with("/")) n.erase(0, 1);
    std::vector<std::string> out{n};
    if (n.starts_with("usr/")) out.push_back(n.substr(4));
    else out.push_back("usr/" + n);
    return out;
}

StatusCheck check_image(const StatusInputs& in, const CrashImage& image, const InitramfsListing& listing) {
    StatusCheck c{"crash_initramfs", CheckState::ok, "", {}};
    if (image.path.empty()) {
        c.state = CheckState::degraded;
        c.detail = "no crash initramfs: " + image.looked + " does not exist";
        return c;
    }
    c.facts = {{"path", json_string(image.path)}};
    if (!listing.error.empty()) {
        c.state = CheckState::degraded;
        c.detail = listing.error;
        return c;
    }
    std::string segs;
    for (const auto& s : listing.segments) segs += (segs.empty() ? "" : "+") + s;
    c.facts.push_back({"segments", json_string(segs)});
    c.facts.push_back({"entries", num(listing.entries.size())});
    c.facts.push_back({"unpacked_bytes", num(listing.unpacked_bytes)});
    c.detail = in.root.path(image.path) + ": " + segs + ", " + num(listing.entries.size()) + " entries, " +
               mib_text(listing.unpacked_bytes) + " unpacked";
    return c;
}
bool exists_in_root(const SandboxRoot& root, const std::string& p) { return ::access(root.path(p).c_str(), F_OK) == 0; }

// kdump-tools' crash boot mounts the root filesystem and runs our drop-in from it: our files must
// be there, with the drop-in and the line `generate` writes. dracut's image (kdumpctl) must hold
// them itself, with the config as it is now.
StatusCheck check_our_files(const StatusInputs& in, const CrashImage& image, const InitramfsListing& listing) {
    StatusCheck c{"our_files", CheckState::ok, "", {}};
    if (!in.config_loaded) {
        c.state = CheckState::degraded;
        c.detail = in.config_error.empty() ? in.root.path(in.config_path) + ": no config" : in.config_error;
        return c;
    }
    std::vector<std::string> missing;
    std::string where;
    if (in.distro.family == DistroFamily::debian) {
        where = "root filesystem (kdump-tools' crash boot mounts it)";
        std::vector<std::string> want = in.needed_files;
        // The drop-in that runs the chain in the crash boot: on the running system, as systemd
        // itself loads it (wherever the package's prefix put it); under a sandbox root, in the
        // unit directories systemd reads.
        bool drop_in = false;
        const std::string unit = "kdump-tools-dump.service", ours = unit + ".d/kdump-failover.conf";
        if (in.root.is_live() && have_program("systemctl")) {
            drop_in = capture_command({"systemctl", "show", "-p", "DropInPaths", "--value", unit}).out.find(ours) !=
                      std::string::npos;
        } else {
            for (const char* d : {"/etc/systemd/system/", "/usr/local/lib/systemd/system/", "/usr/lib/systemd/system/",
                                  "/lib/systemd/system/"})
                drop_in = drop_in || exists_in_root(in.root, d + ours);
        }
        if (!drop_in) missing.push_back("kdump-tools-dump.service.d/kdump-failover.conf (reinstall the package)");
        const auto defaults = read_in_root(in.root, "/etc/default/kdump-tools").value_or("");
        if (defaults.find("KDUMP_FAILOVER_CONFIG=") == std::string::npos)
            missing.push_back("KDUMP_FAILOVER_CONFIG in /etc/default/kdump-tools (run `kdump-failover generate`)");
        for (const auto& f : want)
            if (!exists_in_root(in.root, f)) missing.push_back(f);
    } else {
        where = "crash initramfs";
        if (image.path.empty() || !listing.error.empty()) {
            c.state = CheckState::degraded;
            c.detail = "cannot tell: the crash initramfs was not read";
            return c;
        }
        std::set<std::string> names;
        for (const auto& e : listing.entries) names.insert(e.name);
        for (const auto& f : in.needed_files) {
            const auto alts = image_names(f);
            if (std::none_of(alts.begin(), alts.end(), [&](const std::string& n) { return names.count(n) != 0; }))
                missing.push_back(f);
        }
        const std::string config_name = image_names(in.config_path)[0];
        auto inside = listing.contents.find(config_name);
        auto here = read_in_root(in.root, in.config_path);
        if (inside != listing.contents.end() && here && inside->second != *here) {
            c.state = CheckState::degraded;
            c.detail = "the image holds an older " + in.config_path + ": `kdumpctl rebuild && kdumpctl reload`; ";
            c.facts.push_back({"config_current", "false"});
        } else if (inside != listing.contents.end()) {
            c.facts.push_back({"config_current", "true"});
        }
    }
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    std::string arr;
    for (const auto& f : in.needed_files) arr += (arr.empty() ? "" : ",") + json_string(f);
    c.facts.push_back({"where", json_string(in.distro.family == DistroFamily::debian ? "root" : "image")});
    c.facts.push_back({"checked", "[" + arr + "]"});
    std::string marr;
    for (const auto& m : missing) marr += (marr.empty() ? "" : ",") + json_string(m);
    c.facts.push_back({"missing", "[" + marr + "]"});
    if (!missing.empty()) {
        c.state = CheckState::degraded;
        c.detail += "missing from the " + where + ": " + list;
    } else if (c.state == CheckState::ok) {
        c.detail = "binary, config, plugins and keys (" + std::to_string(in.needed_files.size()) + " files) are in the " + where;
    }
    return c;
}

StatusCheck check_probe(const StatusInputs& in) {
    if (!in.probe) return skipped("targets", "not probed (--no-probe)");
    if (!in.root.is_live()) return skipped("targets", "not probed under --root");
    if (!in.config_loaded) return skipped("targets", "no config to probe");
    const auto r = capture_command({in.self_exe, "check", "--probe", "--config", in.config_path});
    StatusCheck c{"targets", r.status == 0 ? CheckState::ok : CheckState::degraded, "", {}};
    c.facts = {{"check_exit", std::to_string(r.status)}, {"output", json_string(trimmed(r.out))}};
    c.detail = r.status == 0 ? "every target answered its probe (kdump-failover check --probe)"
                             : "a target failed its probe: run `kdump-failover check --probe`";
    return c;
}

StatusCheck check_dump_fits(const StatusInputs& in, uint64_t dump_bytes) {
    StatusCheck c{"dump_fits", CheckState::ok, "", {}};
    c.facts = {{"level", std::to_string(in.level)}, {"estimated_bytes", num(dump_bytes)}};
    std::string detail = "dump at level " + std::to_string(in.level) + " at most " + mib_text(dump_bytes) +
                         " before compression";
    std::string targets;
    for (const auto& t : in.local_targets) {
        struct statvfs st{};
        std::string state;
        if (::statvfs(in.root.path(t.path).c_str(), &st) != 0) {
            state = "free space unknown";
        } else {
            const uint64_t free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
            state = mib_text(free) + " free";
            if (free < dump_bytes) {
                c.state = CheckState::degraded;
                state += ", may not hold it";
            }
            targets += std::string(targets.empty() ? "" : ",") + "{\"target\":" + json_string(t.target) +
                       ",\"free_bytes\":" + num(free) + "}";
        }
        detail += "; " + t.target + " (" + t.path + "): " + state;
    }
    for (const auto& t : in.other_targets) detail += "; " + t + ": free space not known from here";
    c.facts.push_back({"targets", "[" + targets + "]"});
    c.detail = detail;
    return c;
}

StatusCheck check_reservation_size(const KernelFacts& k, const CrashkernelEstimate& e) {
    StatusCheck c{"reservation_size", CheckState::ok, "", {}};
    c.facts = {{"reserved_bytes", num(k.crash_size)}, {"estimated_need_bytes", num(e.need)}};
    if (k.crash_size == 0) return skipped("reservation_size", "nothing reserved");
    if (k.crash_size < e.need) {
        c.state = CheckState::degraded;
        c.detail = mib_text(k.crash_size) + " reserved, the estimate is " + e.value() +
                   ": `kdump-failover setup --crashkernel auto`, then reboot";
    } else {
        c.detail = mib_text(k.crash_size) + " reserved covers the estimate " + e.value();
    }
    return c;
}

}  // namespace

const char* state_name(CheckState s) {
    switch (s) {
        case CheckState::ok: return "ok";
        case CheckState::degraded: return "degraded";
        case CheckState::not_ready: return "not_ready";
        case CheckState::skipped: break;
    }
    return "skipped";
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (ch < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                    out += buf;
                } else {
                    out += static_cast<char>(ch);
                }
        }
    }
    return out + "\"";
}

int NodeStatus::exit_code() const {
    int rc = 0;
    for (const auto& c : checks) {
        if (c.state == CheckState::not_ready) return 2;
        if (c.state == CheckState::degraded) rc = 1;
    }
    return rc;
}

NodeStatus gather_status(const StatusInputs& in) {
    NodeStatus s;
    const CrashImage image = locate_crash_image(in.distro, in.root, in.release);
    std::set<std::string> want;
    if (!in.config_path.empty()) want.insert(image_names(in.config_path)[0]);
    const InitramfsListing listing = image.path.empty() ? InitramfsListing{} : read_initramfs(in.root.path(image.path), want);
    uint64_t mem_total = 0;
    if (in.root.is_live()) {
        const KernelFacts k = read_kernel_facts();
        mem_total = k.mem_total;
        s.checks.push_back(check_cmdline(k));
        s.checks.push_back(check_reservation(k));
        s.checks.push_back(check_loaded(k, in.distro));
        if (auto h = check_kexec_crash_header(in.root, in.distro, in.release)) s.checks.push_back(*h);
        s.checks.push_back(check_service(in.distro));
        s.checks.push_back(check_image(in, image, listing));
        s.checks.push_back(check_our_files(in, image, listing));
        s.checks.push_back(check_probe(in));
        const PageCensus census = take_page_census("/proc/meminfo", "/proc/kpageflags");
        s.checks.push_back(check_dump_fits(in, kept_bytes(census, in.level)));
        s.checks.push_back(check_reservation_size(
            k, estimate_crashkernel(in.distro.family, mem_total, listing.error.empty() ? listing.unpacked_bytes : 0)));
        return s;
    }
    const std::string why = "not a running system (--root " + in.root.dir() + ")";
    for (const char* n : {"crashkernel_cmdline", "reservation", "crash_kernel_loaded", "kdump_service"})
        s.checks.push_back(skipped(n, why));
    // Readable from a root's files (its kallsyms, kernel config and kdump defaults): a copy of an
    // arm64 system's can be checked anywhere.
    if (auto h = check_kexec_crash_header(in.root, in.distro, in.release)) s.checks.push_back(*h);
    s.checks.push_back(check_image(in, image, listing));
    s.checks.push_back(check_our_files(in, image, listing));
    s.checks.push_back(check_probe(in));
    s.checks.push_back(skipped("dump_fits", why));
    s.checks.push_back(skipped("reservation_size", why));
    return s;
}

}  // namespace kdf::lifecycle
