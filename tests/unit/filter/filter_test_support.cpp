#include "tests/unit/filter/filter_test_support.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/filter/page_filter.h"
#include "core/format/page_set.h"

namespace kdf::filter::test {

uint64_t Bitmap::count() const {
    uint64_t n = 0;
    for (uint8_t b : bytes) n += static_cast<uint64_t>(std::popcount(b));
    return n;
}

FilterRun filter_bitmap(const vmcore::ElfVmcore& core, int level) {
    FilterRun run;
    const uint64_t ps = core.vmcoreinfo().page_size().value_or(4096);
    format::PageSet pages(core.phys_map(), ps);
    run.bitmap.bytes.assign((pages.max_mapnr() + 7) / 8, 0);
    auto f = PageFilter::open(core, level, pages.max_mapnr(), run.disabled);
    if (!f.is_ok()) run.open_error = f.status().message();
    std::optional<PageFilter::Cursor> cur;
    if (f.is_ok() && f.value()) cur.emplace(f.value()->cursor());
    for (const auto& r : pages.runs())
        for (uint64_t p = r.first_pfn; p < r.end_pfn(); ++p)
            if (!cur || !cur->excluded(p)) run.bitmap.bytes[p / 8] |= static_cast<uint8_t>(1u << (p % 8));
    if (cur) run.unclassified = cur->unclassified();
    return run;
}

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

BitmapDiff diff(const Bitmap& ours, const Bitmap& theirs, size_t limit) {
    BitmapDiff d;
    const uint64_t n = std::max(ours.bytes.size(), theirs.bytes.size()) * 8;
    for (uint64_t p = 0; p < n; ++p) {
        const bool a = ours.get(p), b = theirs.get(p);
        if (a && !b) {
            if (d.ours_only.size() < limit) d.ours_only.push_back(p);
            ++d.ours_only_count;
        } else if (b && !a) {
            if (d.theirs_only.size() < limit) d.theirs_only.push_back(p);
            ++d.theirs_only_count;
        }
    }
    return d;
}

std::string describe(const BitmapDiff& d) {
    std::string s = std::to_string(d.ours_only_count) + " pfns only in ours, " + std::to_string(d.theirs_only_count) +
                    " only in the reference";
    auto list = [&](const char* what, const std::vector<uint64_t>& v) {
        if (v.empty()) return;
        s += std::string("; ") + what + ":";
        char b[24];
        for (uint64_t p : v) {
            std::snprintf(b, sizeof b, " 0x%llx", static_cast<unsigned long long>(p));
            s += b;
        }
    };
    list("ours only", d.ours_only);
    list("reference only", d.theirs_only);
    return s;
}

Bitmap kdump_bitmap2(const std::string& path) {
    Bitmap b;
    std::vector<uint8_t> f = read_file(path);
    if (f.size() < 4096 || std::memcmp(f.data(), "KDUMP   ", 8) != 0) return b;
    int32_t block_size, sub_hdr_size;
    uint32_t bitmap_blocks, max_mapnr;
    std::memcpy(&block_size, f.data() + 428, 4);
    std::memcpy(&sub_hdr_size, f.data() + 432, 4);
    std::memcpy(&bitmap_blocks, f.data() + 436, 4);
    std::memcpy(&max_mapnr, f.data() + 440, 4);
    const uint64_t off = (1 + static_cast<uint64_t>(sub_hdr_size)) * block_size +
                         static_cast<uint64_t>(bitmap_blocks) / 2 * block_size;
    const uint64_t len = (static_cast<uint64_t>(max_mapnr) + 7) / 8;
    if (off + len > f.size()) return b;
    b.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(off), f.begin() + static_cast<std::ptrdiff_t>(off + len));
    return b;
}

Bitmap reference_bitmap(const std::string& name, int level) {
    Bitmap b;
    b.bytes = read_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/" + name + ".d" + std::to_string(level) +
                        ".bitmap2");
    return b;
}

}  // namespace kdf::filter::test
