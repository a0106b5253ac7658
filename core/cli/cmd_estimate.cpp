// `kdump-failover estimate [--config F] [--root DIR] [--json]`: how much crashkernel= this machine
// needs and how big a dump at the configured level would be, from what the machine shows: its
// memory and the page classes the running kernel reports (/proc/kpageflags, else /proc/meminfo),
// the crash initramfs unpacked, and our measured peak memory (core/lifecycle/crashkernel_estimate.h
// has the sum and where each figure comes from).
#include <sys/utsname.h>

#include <cstdio>

#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/cli/node_command_support.h"
#include "core/lifecycle/crash_image_locator.h"
#include "core/lifecycle/crashkernel_estimate.h"
#include "core/lifecycle/initramfs_image.h"
#include "core/lifecycle/node_status.h"
#include "core/lifecycle/page_census.h"

namespace kdf::cli {

using namespace kdf::lifecycle;

NodeEstimate estimate_node(const SandboxRoot& root, const Distribution& d, int level) {
    NodeEstimate e;
    e.level = level;
    const CrashImage image = locate_crash_image(d, root, root.is_live() ? running_release() : "");
    e.image_path = image.path.empty() ? image.looked : root.path(image.path);
    if (!image.path.empty()) {
        const auto listing = read_initramfs(root.path(image.path));
        if (listing.error.empty()) e.initramfs_unpacked = listing.unpacked_bytes;
        else e.image_error = listing.error;
    } else {
        e.image_error = "not found: " + image.looked;
    }
    // The memory is always this machine's: a sandbox root has no running kernel to ask.
    e.census = take_page_census("/proc/meminfo", "/proc/kpageflags");
    e.crashkernel = estimate_crashkernel(d.family, e.census.mem_total_bytes, e.initramfs_unpacked);
    e.dump_bytes = kept_bytes(e.census, level);
    return e;
}

int cmd_estimate(const Args& args) {
    ArgScanner scan(args, {"--config", "--root"}, {"--json"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "estimate takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover estimate [--config F] [--root DIR] [--json]");
        return chain::kExitUsage;
    }
    const SandboxRoot root(scan.value("--root").value_or("/"));
    const Distribution d = detect_distribution(root);
    const std::string config_path = scan.value("--config").value_or(kDefaultConfig);
    const NodeConfig config = load_node_config(root, config_path, /*quiet=*/true);
    const NodeEstimate e = estimate_node(root, d, config.level);
    const auto& k = e.crashkernel;
    if (scan.flag("--json")) {
        std::printf("{\"crashkernel\":%s,\"crashkernel_bytes\":%llu,\"memory_bytes\":%llu,\"initramfs_unpacked_bytes\":%llu,"
                    "\"kernel_bytes\":%llu,\"userspace_bytes\":%llu,\"kdump_failover_bytes\":%llu,\"bitmap_bytes\":%llu,"
                    "\"distribution_default_bytes\":%llu,\"level\":%d,\"dump_bytes\":%llu,\"pages_from\":%s,"
                    "\"pages\":{\"ram\":%llu,\"cache\":%llu,\"cache_private\":%llu,\"user\":%llu,\"free\":%llu}}\n",
                    json_string(k.value()).c_str(), (unsigned long long)k.need, (unsigned long long)k.mem_total,
                    (unsigned long long)k.initramfs_unpacked, (unsigned long long)kKernelOverhead,
                    (unsigned long long)kUserspace, (unsigned long long)kOurPeak, (unsigned long long)k.bitmaps,
                    (unsigned long long)k.distro_default, e.level, (unsigned long long)e.dump_bytes,
                    json_string(e.census.source).c_str(), (unsigned long long)e.census.pages,
                    (unsigned long long)e.census.cache, (unsigned long long)e.census.cache_private,
                    (unsigned long long)e.census.user, (unsigned long long)e.census.free);
        return 0;
    }
    std::printf("crashkernel=%s\n", k.value().c_str());
    std::printf("  memory                %s\n", mib_text(k.mem_total).c_str());
    std::printf("  kernel                %s (measured: Debian 12's 6.1 kernel in its crash boot)\n", mib_text(kKernelOverhead).c_str());
    std::printf("  crash initramfs       %s unpacked (%s%s)\n", mib_text(k.initramfs_unpacked).c_str(), e.image_path.c_str(),
                e.image_error.empty() ? "" : (": " + e.image_error).c_str());
    std::printf("  userspace             %s\n", mib_text(kUserspace).c_str());
    std::printf("  kdump-failover        %s (measured peak: chain process and its largest attempt)\n", mib_text(kOurPeak).c_str());
    std::printf("  page bitmaps          %s (2 bits per page of RAM)\n", mib_text(k.bitmaps).c_str());
    std::printf("  sum                   %s; distribution default %s; twice the unpacked initramfs %s\n",
                mib_text(k.sum).c_str(), mib_text(k.distro_default).c_str(), mib_text(2 * k.initramfs_unpacked).c_str());
    std::printf("dump at level %d: at most %s before compression (pages from %s: %llu RAM, %llu cache, %llu cache "
                "with private data, %llu user, %llu free; zero-filled pages are not counted)\n",
                e.level, mib_text(e.dump_bytes).c_str(), e.census.source.c_str(), (unsigned long long)e.census.pages,
                (unsigned long long)e.census.cache, (unsigned long long)e.census.cache_private,
                (unsigned long long)e.census.user, (unsigned long long)e.census.free);
    return 0;
}

}  // namespace kdf::cli
