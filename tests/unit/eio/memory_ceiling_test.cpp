// The crash kernel's memory is small and fixed: a dump must complete inside 64 MiB of address
// space with 2 compressor threads. This machine has no memory cgroups, so the limit is RLIMIT_AS
// (prlimit --as), which is stricter than a cgroup: it counts every mapping (thread stacks, shared
// libraries), not only resident pages. Each real fixture is dumped at level 1 (lz4: the fastest
// codec; all four peak within 0.5 MiB of each other) and a generated kernel-mode vmcore at level 31; the peaks (VmPeak, VmHWM) are measured by an LD_PRELOAD
// reporter and printed for docs/sizing.md. The 16 GiB case takes minutes to generate and is
// bench/memory_ceiling.sh's.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/chain/cli_harness.h"

namespace {

namespace fs = std::filesystem;
using namespace kdf_test;

constexpr long kCeilingKib = 64 * 1024;

struct Peaks {
    long vm_peak_kib = -1;
    long vm_hwm_kib = -1;
};

// The last line the reporter appended.
Peaks last_peaks(const fs::path& file) {
    std::ifstream in(file);
    Peaks p;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string exe, k1, k2;
        words >> exe >> k1 >> p.vm_peak_kib >> k2 >> p.vm_hwm_kib;
    }
    return p;
}

// Dumps `vmcore` with `options` under the ceiling; checks the dump and returns the peaks.
Peaks dump_under_ceiling(Scratch& s, const fs::path& vmcore, const std::string& options) {
    const fs::path out = s.path("ceiling.kdump"), peaks = s.path("peaks.txt");
    fs::remove(out);
    CommandResult r = s.run("collect " + options + " --num-threads 2 --message-level 0 " + vmcore.string() + " " + out.string(),
                            "KDF_PEAK_FILE='" + peaks.string() + "' LD_PRELOAD='" KDF_PEAK_REPORT
                            "' prlimit --as=" + std::to_string(kCeilingKib * 1024));
    EXPECT_EQ(r.exit_code, 0) << vmcore << " " << options << ": " << r.err;
    CommandResult v = s.run("verify " + out.string());
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    fs::remove(out);
    Peaks p = last_peaks(peaks);
    EXPECT_GT(p.vm_peak_kib, 0) << "no peak reported";
    EXPECT_LT(p.vm_peak_kib, kCeilingKib);
    std::printf("memory ceiling: %s %s, 2 threads: VmPeak %.1f MiB, VmHWM %.1f MiB (limit RLIMIT_AS 64 MiB)\n",
                vmcore.filename().c_str(), options.c_str(), p.vm_peak_kib / 1024.0, p.vm_hwm_kib / 1024.0);
    return p;
}

TEST(MemoryCeiling, RealFixturesAtLevel1) {
    Scratch s;
    for (const char* name : {"vmcore-6.1-a", "vmcore-6.12-c"}) {
        const fs::path vmcore = fs::path(KDF_BUILD_DIR) / "fixtures" / name;
        ASSERT_TRUE(fs::exists(vmcore)) << vmcore << " (the real_vmcores fixture decompresses it)";
        dump_under_ceiling(s, vmcore, "--lz4 -d 1");
    }
}

// The arm64 crash (no address translation for arm64 yet: every page is classified as kept, the
// most work a level-1 dump can do), decompressed here: the suite's fixture step unpacks only the
// x86_64 vmcores.
TEST(MemoryCeiling, RealArm64FixtureAtLevel1) {
    Scratch s;
    const fs::path packed = fs::path(KDF_SHARED_DIR) / "fixtures" / "vmcore-6.1-arm64-f.zst";
    const fs::path vmcore = s.path("vmcore-6.1-arm64-f");
    ASSERT_EQ(std::system(("zstd -dq '" + packed.string() + "' -o '" + vmcore.string() + "'").c_str()), 0) << packed;
    dump_under_ceiling(s, vmcore, "--lz4 -d 1");
}

TEST(MemoryCeiling, GeneratedKernelAtLevel31) {
    Scratch s;
    const fs::path vmcore = s.make_vmcore("256M", 21, "--kernel");
    dump_under_ceiling(s, vmcore, "-z -d 31");
}

}  // namespace
