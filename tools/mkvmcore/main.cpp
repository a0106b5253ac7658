// kdf-mkvmcore: write a sample ELF vmcore (see vmcore_writer.h for the layout): x86_64, or with
// --kernel --arch arm64 an aarch64 one (arm64_layout.h).
// Quiet on success unless -v; one line on stderr and a non-zero exit on any error.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/mkvmcore/mkvmcore_options.h"
#include "tools/mkvmcore/kernel_vmcore_writer.h"
#include "tools/mkvmcore/vmcore_writer.h"

int main(int argc, char** argv) {
    using namespace kdf::mkvmcore;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto opts = parse_options(args);
    if (!opts.is_ok()) {
        std::fprintf(stderr, "kdf-mkvmcore: %s\n", opts.status().to_string().c_str());
        return 2;
    }
    if (opts->help) {
        std::fputs(usage_text(), stdout);
        return 0;
    }
    auto sum = opts->kernel ? write_kernel_vmcore(opts.value()) : write_sample_vmcore(opts.value());
    if (!sum.is_ok()) {
        std::fprintf(stderr, "kdf-mkvmcore: %s\n", sum.status().to_string().c_str());
        return 1;
    }
    if (opts->verbose) {
        std::printf("%s: %" PRIu64 " bytes, %" PRIu64 " pages (%" PRIu64 " zero, left as holes), %" PRIu32
                    " cpus, notes %" PRIu64 " bytes, KERNELOFFSET=%" PRIx64 " phys_base=%" PRId64 "\n",
                    opts->out.c_str(), sum->file_size, sum->pages, sum->zero_pages, opts->cpus, sum->note_bytes,
                    sum->layout.kerneloffset, sum->layout.phys_base);
        for (const SampleSegment& s : sum->layout.segments)
            std::printf("  LOAD offset 0x%" PRIx64 " vaddr 0x%016" PRIx64 " paddr 0x%" PRIx64 " size 0x%" PRIx64 "%s\n",
                        s.file_offset, s.vaddr, s.paddr, s.size, s.alias ? " (kernel image)" : "");
    }
    return 0;
}
