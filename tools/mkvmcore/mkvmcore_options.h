// tools/mkvmcore/mkvmcore_options.h - the command line of kdf-mkvmcore.
//
//   kdf-mkvmcore [--size SIZE] [--seed N] [--cpus N] [--mix zero=W,repeat=W,random=W,text=W] [-v]
//                [--kernel [--classes CLASS=W,..] [--paging 4|5] [--kaslr] [--holes N] [--manifest FILE]
//                 [--checks FILE] [--arch x86_64|arm64 [--page-size 4K|16K|64K] [--va-bits 39|42|47|48|52]]] OUT
//
// Without --kernel the output is the plain sample (notes + page contents, no kernel structures);
// its bytes must not change, other tests depend on them. --kernel (implied by any of the options
// after it) writes a vmcore with page tables, a vmemmap mem_map and a 6.1 VMCOREINFO that
// makedumpfile can filter (kernel_vmcore_writer.h).
//
// Parsing never exits or prints: it returns the options or one line saying what is wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/status.h"
#include "tools/mkvmcore/page_class.h"

namespace kdf::mkvmcore {

enum class Arch : uint8_t { x86_64, arm64 };

// Relative weights of the page kinds (any non-negative integers, not all zero).
struct PageMix {
    uint32_t zero = 25;    // all-zero page, left as a hole in the sparse file
    uint32_t repeat = 25;  // one 8-byte pattern repeated
    uint32_t random = 25;  // xorshift bytes (incompressible)
    uint32_t text = 25;    // log-like ASCII lines
    uint64_t total() const noexcept { return uint64_t{zero} + repeat + random + text; }
};

struct MkvmcoreOptions {
    uint64_t size = 64ULL << 20;  // bytes of PT_LOAD data, kernel-image alias included
    uint64_t seed = 1;
    uint32_t cpus = 2;
    PageMix mix;
    bool verbose = false;
    bool help = false;
    std::string out;

    // --kernel mode
    bool kernel = false;
    ClassMix classes = default_class_mix();
    uint32_t paging = 4;    // 4 or 5 levels
    bool kaslr = false;     // randomise page_offset_base and vmemmap_base
    uint32_t holes = 1;     // holes between the RAM PT_LOADs above 1 MiB (the first is crashkernel-sized)
    std::string manifest;   // where to write "START_PFN COUNT CLASS" lines, if set
    std::string checks;     // where to write "NAME VADDR EXPECTED" translation checks, if set

    // --arch arm64 (kernel mode only): page size and VA_BITS; 52 means 52-bit PA as well (LPA
    // with 64K pages, LPA2 with 4K/16K) and RAM above 2^48.
    Arch arch = Arch::x86_64;
    uint64_t page_size = 4096;
    uint32_t va_bits = 48;
};

inline constexpr uint64_t kMinKernelSize = 32ULL << 20;
inline constexpr uint32_t kMaxHoles = 64;

inline constexpr uint64_t kMinSize = 4ULL << 20;
inline constexpr uint64_t kMaxSize = 1ULL << 40;
inline constexpr uint32_t kMaxCpus = 8192;

// args excludes argv[0].
Result<MkvmcoreOptions> parse_options(const std::vector<std::string>& args);

// "64M" -> 67108864; K/M/G/T are powers of 1024 (an optional trailing "iB" or "B" is accepted).
Result<uint64_t> parse_size(const std::string& text);

const char* usage_text() noexcept;

}  // namespace kdf::mkvmcore
