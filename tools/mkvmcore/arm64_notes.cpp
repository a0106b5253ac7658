#include "tools/mkvmcore/arm64_notes.h"

#include "tools/mkvmcore/sample_layout.h"
#include "tools/mkvmcore/sample_notes.h"

namespace kdf::mkvmcore {
namespace {

void store(std::byte* p, uint64_t x, int bytes) {
    for (int i = 0; i < bytes; ++i) p[i] = static_cast<std::byte>(x >> (8 * i));
}

std::vector<std::byte> prstatus(const MkvmcoreOptions& opts, const KernelLayout& l, uint32_t cpu) {
    std::vector<std::byte> d(kArm64PrstatusSize);
    const int32_t pid = sample_pid(opts.seed, cpu);
    store(d.data() + 32, static_cast<uint32_t>(pid), 4);
    store(d.data() + 36, pid ? 1u : 0u, 4);
    store(d.data() + 40, static_cast<uint32_t>(pid), 4);
    store(d.data() + 44, static_cast<uint32_t>(pid), 4);
    auto reg = [&](int i, uint64_t v) { store(d.data() + 112 + 8 * i, v, 8); };
    const uint64_t h = mix64(opts.seed ^ (uint64_t{cpu} << 32));
    // Stacks in vmalloc space (VMAP_STACK), 16 KiB aligned.
    const uint64_t stack = l.arm64.vmalloc_start + 0x10000000 + (h % 0x1000) * 0x4000 + 0x3d40;
    const uint64_t text = l.arm64.stext;
    // Inside the text the page tables map (_stext .. _text + 2 MiB): the crash path on CPU 0, the
    // idle loop elsewhere.
    const uint64_t pc = text + (cpu ? 0xa1c3c : 0x1a5c30);
    const uint64_t lr = text + (cpu ? 0xa1b04 : kArm64CrashLrOffset);
    reg(0, pid ? 0x63 : 0);  // 'c', the sysrq key that crashed it
    reg(29, stack + 0x20);   // frame pointer
    reg(30, arm64_sign_pointer(lr, l.arm64.pac_mask, opts.seed ^ cpu));
    reg(31, stack);          // sp
    reg(32, pc);
    reg(33, 0x60400005);     // pstate: EL1h, Z and C set, PAN
    return d;
}

}  // namespace

uint64_t arm64_sign_pointer(uint64_t lr, uint64_t pac_mask, uint64_t seed) noexcept {
    const uint64_t pac = mix64(seed ^ lr ^ 0x706163ULL) & pac_mask & ~(1ULL << 55);
    return (lr & ~pac_mask) | pac | (1ULL << 55);
}

std::vector<std::byte> arm64_notes(const MkvmcoreOptions& opts, const KernelLayout& l, const std::string& info) {
    std::vector<std::byte> out;
    for (uint32_t cpu = 0; cpu < opts.cpus; ++cpu) {
        std::vector<std::byte> d = prstatus(opts, l, cpu);
        append_note(out, "CORE", 1, d.data(), d.size());
    }
    append_note(out, "VMCOREINFO", 0, reinterpret_cast<const std::byte*>(info.data()), info.size());
    return out;
}

}  // namespace kdf::mkvmcore
