#include "tests/e2e/qemu_guest.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/support/shell.h"

namespace kdf_test::e2e {
namespace {

const std::string kGuestScripts = std::string(KDF_SOURCE_DIR) + "/tests/e2e/guest";

// The last match's first group of `pattern` in `text`, as a number.
std::optional<double> last_number(const std::string& text, const std::regex& pattern) {
    std::optional<double> value;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it)
        value = std::strtod((*it)[1].str().c_str(), nullptr);
    return value;
}

}  // namespace

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string qemu_unusable_reason() {
    // Software emulation (TCG) is all this needs; a build without it cannot run any guest here.
    const std::string accels = shell_output("qemu-system-x86_64 -accel help 2>&1");
    if (accels.find("tcg") == std::string::npos)
        return "qemu-system-x86_64 offers no software emulation (tcg) here: " + accels;
    return "";
}

std::optional<GuestKernel> guest_kernel(std::string* why) {
    const char* env = std::getenv("KDF_E2E_KERNEL_CACHE");
    const std::string cache = env && *env ? env : "/var/cache/kdump-failover/e2e-kernel";
    const std::string out =
        shell_output(kGuestScripts + "/prepare-kernel.sh " + shell_quote(cache) + " 2>" + shell_quote(cache + ".err"));
    const auto nl = out.find('\n');
    if (nl == std::string::npos) {
        *why = "no Debian kernel in " + cache + " (tools/install-deps.sh puts it there): " + read_text(cache + ".err");
        return std::nullopt;
    }
    return GuestKernel{out.substr(0, nl), out.substr(nl + 1)};
}

std::string GuestRun::summary() const {
    char line[512];
    auto f = [](const std::optional<double>& v) { return v ? *v : -1.0; };
    std::snprintf(line, sizeof line,
                  "QEMU run %.1f s (emulated, both kernels); crash kernel: /init at %.2f s, chain %.1f s, "
                  "%.1f MiB of memory read, dump file %.1f MiB, peak memory %.1f MiB (chain process VmHWM), %.1f MiB (largest attempt)",
                  wall_s, f(crash_kernel_up_s), f(chain_s), f(memory_read_mib), f(dump_file_mib), f(chain_peak_mib), f(attempt_peak_mib));
    return line;
}

std::string GuestRun::console_tail(int lines) const {
    size_t start = console.size();
    for (int i = 0; i <= lines && start > 0; ++i) {
        const size_t nl = console.rfind('\n', start - 1);
        if (nl == std::string::npos) return console;
        start = nl;
    }
    return console.substr(std::min(start + 1, console.size()));
}

GuestRun parse_console(const std::string& console) {
    GuestRun r;
    r.console = console;
    r.crash_kernel_up_s = last_number(console, std::regex(R"(KDF-E2E: crash kernel \S+ up at ([0-9.]+) s)"));
    r.chain_s = last_number(console, std::regex(R"(kdump-failover: chain over in ([0-9.]+) s)"));
    r.chain_peak_mib = last_number(console, std::regex(R"(peak memory: chain process ([0-9.]+) MiB)"));
    r.attempt_peak_mib = last_number(console, std::regex(R"(largest attempt ([0-9.]+) MiB)"));
    r.memory_read_mib = last_number(console, std::regex(R"(dump complete, ([0-9.]+) MiB of memory read)"));
    if (auto raw = last_number(console, std::regex(R"(KDF-E2E: RAW size=([0-9]+))")))
        r.raw_size = static_cast<unsigned long long>(*raw);
    r.chain_saved = console.find("kdump-failover: the chain saved the dump") != std::string::npos;
    return r;
}

bool run_crash_guest(const GuestKernel& kernel, const std::string& work, const GuestOptions& options,
                     GuestRun* run, std::string* why) {
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    std::string make = kGuestScripts + "/make-initrds.sh --build " + shell_quote(KDF_BUILD_DIR) + " --kroot " +
                       shell_quote(kernel.root) + " --kver " + shell_quote(kernel.release) + " --work " + shell_quote(work);
    make += options.config.empty() ? " --raw" : " --config " + shell_quote(options.config);
    if (!options.overlay.empty()) make += " --overlay " + shell_quote(options.overlay);
    if (!options.modules.empty()) make += " --modules " + shell_quote(options.modules);
    if (shell(make + " > " + shell_quote(work + "/make-initrds.log") + " 2>&1") != 0) {
        *why = "make-initrds.sh failed: " + read_text(work + "/make-initrds.log");
        return false;
    }
    if (options.before_boot) options.before_boot();
    std::string boot = kGuestScripts + "/run-guest.sh --work " + shell_quote(work) + " --kernel " +
                       shell_quote(kernel.vmlinuz()) + " --timeout " + std::to_string(options.timeout_s);
    if (!options.disk.empty()) boot += " --disk " + shell_quote(options.disk);
    if (options.network) boot += " --net";
    if (options.five_level) boot += " --la57";
    if (options.mem_mib > 0) boot += " --mem " + std::to_string(options.mem_mib);
    if (!options.crashkernel.empty()) boot += " --crashkernel " + shell_quote(options.crashkernel);
    const auto started = std::chrono::steady_clock::now();
    const int rc = shell(boot + " > " + shell_quote(work + "/run-guest.log") + " 2>&1");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    *run = parse_console(read_text(work + "/console.txt"));
    run->exit_code = rc;
    run->wall_s = wall;
    if (rc != 0) *why = "run-guest.sh exited " + std::to_string(rc) + ": " + read_text(work + "/run-guest.log");
    return true;
}

}  // namespace kdf_test::e2e
