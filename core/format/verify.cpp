#include "core/format/verify.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/common/number_text.h"
#include "core/common/zero_bytes.h"
#include "core/format/dump_format.h"
#include "core/format/kdump_reader.h"
#include "core/format/page_set.h"
#include "core/format/reader_needs.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/unique_fd.h"

namespace kdf::format {

using common::hex;
using common::num;

namespace {

// Problems grouped by kind, each kind capped at kMaxLinesPerKind lines; the rest are counted.
class Problems {
public:
    explicit Problems(VerifyReport& r) : report_(r) {}
    void add(const std::string& kind, std::string line) {
        auto& n = counts_[kind];
        if (++n <= VerifyReport::kMaxLinesPerKind) report_.problems.push_back(std::move(line));
    }
    void finish() {
        for (const auto& [kind, n] : counts_)
            if (n > VerifyReport::kMaxLinesPerKind)
                report_.problems.push_back("... and " + num(n - VerifyReport::kMaxLinesPerKind) + " more " + kind +
                                           " problems like those above");
    }

private:
    VerifyReport& report_;
    std::map<std::string, uint64_t> counts_;
};

// Reader messages start with the path; the report already names the file once.
std::string strip_path(const std::string& path, const std::string& message) {
    std::string prefix = path + ": ";
    if (message.compare(0, prefix.size(), prefix) == 0) return message.substr(prefix.size());
    return message;
}

bool is_damage(Code c) { return c == Code::corrupt || c == Code::not_supported; }

using common::all_zero;

constexpr char kIncompleteLine[] = "dump is marked incomplete (the writer did not finish)";

// The codec bits a header status may carry, and the other bits makedumpfile defines.
constexpr uint32_t kCodecBits = kdump::kCompressedZlib | kdump::kCompressedLzo | kdump::kCompressedSnappy |
                                kdump::kCompressedZstd | kdump::kCompressedLz4Kdf;
constexpr uint32_t kKnownStatusBits = kCodecBits | kdump::kCompressedIncomplete | kdump::kExcludedVmemmap;

Status check_bitmaps(KdumpReader& rd, VerifyReport& report, Problems& problems) {
    uint64_t bits_per_block = static_cast<uint64_t>(rd.block_size()) * 8;
    uint64_t blocks = rd.header().bitmap_blocks / 2;
    uint64_t max = rd.max_mapnr();
    uint64_t past_max[2] = {0, 0};
    uint64_t first_past_max[2] = {0, 0};
    for (uint64_t b = 0; b < blocks; ++b) {
        auto b1 = rd.bitmap_block(1, b);
        if (!b1.is_ok()) return b1.take_status();
        auto b2 = rd.bitmap_block(2, b);  // a different cache: b1 stays valid
        if (!b2.is_ok()) return b2.take_status();
        for (uint64_t byte = 0; byte < rd.block_size(); ++byte) {
            auto x1 = static_cast<uint8_t>(b1.value()[byte]);
            auto x2 = static_cast<uint8_t>(b2.value()[byte]);
            if ((x1 | x2) == 0) continue;
            for (int i = 0; i < 8; ++i) {
                uint64_t pfn = b * bits_per_block + byte * 8 + static_cast<uint64_t>(i);
                bool p = (x1 >> i) & 1, d = (x2 >> i) & 1;
                if (pfn >= max) {
                    for (int w = 0; w < 2; ++w)
                        if ((w == 0 ? p : d) && past_max[w]++ == 0) first_past_max[w] = pfn;
                    continue;
                }
                if (p) ++report.pages_present;
                if (d && !p)
                    problems.add("bitmap", "pfn " + hex(pfn) + ": set in bitmap 2 (dumped) but not in bitmap 1 (present)");
            }
        }
    }
    for (int w = 0; w < 2; ++w)
        if (past_max[w] > 0)
            problems.add("bitmap", "bitmap " + num(static_cast<uint64_t>(w + 1)) + ": " + num(past_max[w]) +
                                       " bits set at or past max_mapnr " + hex(max) + " (first pfn " +
                                       hex(first_past_max[w]) + ")");
    return Status::ok();
}

Status check_pages(KdumpReader& rd, VerifyReport& report, Problems& problems) {
    const auto& lay = rd.layout();
    uint64_t size = rd.file_size();
    uint64_t bs = rd.block_size();
    if (lay.data > size) {
        uint64_t whole = (size - lay.descriptors) / kdump::kPageDescSize;
        problems.add("truncation", "truncated: the file is " + num(size) + " bytes but the page descriptor table ends at byte " +
                                       num(lay.data) + " (" + num(rd.num_dumpable() - whole) + " of " +
                                       num(rd.num_dumpable()) + " descriptors missing)");
    }
    std::vector<std::byte> scratch(bs), page(bs);
    uint64_t last_end = lay.data;  // end of the furthest page data seen: data is laid out in order
    uint64_t truncated = 0, first_truncated_pfn = 0, first_truncated_at = 0;
    uint64_t zero_offset = UINT64_MAX, zero_refs = 0;
    Status st = rd.for_each_dumped([&](uint64_t pfn, uint64_t index) -> Status {
        uint64_t at = lay.descriptors + index * kdump::kPageDescSize;
        if (at + kdump::kPageDescSize > size) return Status::ok();  // reported once above
        auto got = rd.descriptor_at(index);
        if (!got.is_ok()) return got.take_status();
        const kdump::PageDesc& d = got.value();
        std::string who = "pfn " + hex(pfn) + ": descriptor #" + num(index) + " (byte " + num(at) + ") ";
        if (!page_flag_known(d.flags)) {
            problems.add("descriptor", who + "has unknown page flags " + hex(d.flags));
            return Status::ok();
        }
        ++report.pages_by_codec[page_flag_name(d.flags)];
        if (d.size == 0 || d.size > bs) {
            problems.add("descriptor", who + "gives a stored size of " + num(d.size) + " bytes (must be 1 to the block size " +
                                           num(bs) + ")");
            return Status::ok();
        }
        if (d.flags == 0 && d.size != bs) {
            problems.add("descriptor", who + "says the page is stored uncompressed in " + num(d.size) +
                                           " bytes, not the block size " + num(bs));
            return Status::ok();
        }
        if (d.offset < lay.data) {
            problems.add("descriptor", who + "points at byte " + num(d.offset) + ", before the page data area (byte " +
                                           num(lay.data) + ")");
            return Status::ok();
        }
        if (d.offset > size || d.size > size - d.offset) {
            // A page that starts inside the file or right where the previous one ended is where
            // the file was cut; anything else is a damaged descriptor.
            if (d.offset <= size || d.offset == last_end) {
                if (truncated++ == 0) {
                    first_truncated_pfn = pfn;
                    first_truncated_at = d.offset;
                }
                last_end = std::max(last_end, d.offset + d.size);
            } else {
                problems.add("descriptor", who + "points at bytes " + num(d.offset) + ".." + num(d.offset + d.size) +
                                               ", past the end of the file (" + num(size) + " bytes)");
            }
            return Status::ok();
        }
        last_end = std::max(last_end, d.offset + d.size);
        Status rs = rd.read_page(pfn, d, scratch, page);
        if (!rs.is_ok()) {
            if (!is_damage(rs.code())) return rs;
            problems.add("page", strip_path(rd.path(), rs.message()));
            return Status::ok();
        }
        ++report.pages_checked;
        // makedumpfile's zero pages share one raw copy (pd_zero): count references to the first
        // raw all-zero page.
        if (zero_offset == UINT64_MAX && d.flags == 0 && all_zero(page)) zero_offset = d.offset;
        if (d.offset == zero_offset) ++zero_refs;
        return Status::ok();
    });
    if (!st.is_ok()) return st;
    report.pages_zero_shared = zero_refs > 1 ? zero_refs : 0;
    if (truncated > 0)
        problems.add("truncation", "truncated: the file is " + num(size) + " bytes but the data of " + num(truncated) +
                                       " pages lies past its end (first pfn " + hex(first_truncated_pfn) +
                                       ", wanted from byte " + num(first_truncated_at) + "; the last page ends at byte " +
                                       num(last_end) + ")");
    return Status::ok();
}

Result<VerifyReport> verify_kdump(const std::string& path, VerifyReport report) {
    report.format = VerifyReport::Format::kdump;
    report.checked = true;
    auto opened = KdumpReader::open(path);
    if (!opened.is_ok()) {
        if (!is_damage(opened.status().code())) return opened.take_status();
        report.problems.push_back(strip_path(path, opened.status().message()));
        return report;
    }
    KdumpReader& rd = opened.value();
    Problems problems(report);
    const auto& h = rd.header();
    report.header_version = h.header_version;
    report.block_size = rd.block_size();
    report.max_mapnr = rd.max_mapnr();
    report.pages_dumped = rd.num_dumpable();
    report.incomplete = rd.incomplete();
    if (rd.incomplete()) problems.add("header", kIncompleteLine);
    if (uint32_t unknown = h.status & ~kKnownStatusBits; unknown != 0)
        problems.add("header", "header status " + hex(h.status) + " has unknown bits " + hex(unknown));
    // Several codec bits are not a problem: a dump whose pages mix codecs (compress = auto) names
    // each one it used, and every page is decoded by its own descriptor's flag.
    report.warnings = kdump_reader_warnings(h, rd.vmcoreinfo());
    const auto& sub = rd.sub_header();
    if (sub.size_eraseinfo > 0 &&
        (sub.offset_eraseinfo > rd.file_size() || sub.size_eraseinfo > rd.file_size() - sub.offset_eraseinfo))
        problems.add("header", "eraseinfo at bytes " + num(sub.offset_eraseinfo) + ".." +
                                   num(sub.offset_eraseinfo + sub.size_eraseinfo) + " is past the end of the file (" +
                                   num(rd.file_size()) + " bytes)");
    if (h.header_version >= 6 && sub.max_mapnr_64 <= UINT32_MAX && h.max_mapnr != sub.max_mapnr_64)
        problems.add("header", "header max_mapnr " + num(h.max_mapnr) + " differs from the sub-header's max_mapnr_64 " +
                                   num(sub.max_mapnr_64));
    Status st = check_bitmaps(rd, report, problems);
    if (st.is_ok()) st = check_pages(rd, report, problems);
    if (!st.is_ok()) return st;
    problems.finish();
    return report;
}

Result<VerifyReport> verify_elf(const std::string& path, std::span<const std::byte> head, VerifyReport report) {
    report.format = VerifyReport::Format::elf;
    report.checked = true;
    auto opened = vmcore::ElfVmcore::open(path);
    if (!opened.is_ok()) {
        if (!is_damage(opened.status().code())) return opened.take_status();
        report.problems.push_back(strip_path(path, opened.status().message()));
        return report;
    }
    // e_flags (offset 48): makedumpfile sets bit 0 when it could not finish an ELF dump.
    uint32_t e_flags = 0;
    for (int i = 3; i >= 0; --i) e_flags = (e_flags << 8) | static_cast<uint8_t>(head[48 + static_cast<size_t>(i)]);
    if (e_flags & 1) {
        report.incomplete = true;
        report.problems.push_back(kIncompleteLine);
    }
    report.warnings = elf_reader_warnings(opened.value());
    // Pages of the crashed kernel's size (4K, 16K or 64K on arm64), not of the reading machine's.
    const vmcore::ElfVmcore& core = opened.value();
    PageSet pages(core.phys_map(), core.has_vmcoreinfo() ? core.vmcoreinfo().page_size().value_or(4096) : 4096);
    report.block_size = pages.page_size();
    report.max_mapnr = pages.max_mapnr();
    report.pages_present = report.pages_dumped = pages.count();
    report.pages_by_codec["none"] = pages.count();
    return report;
}

}  // namespace

const char* to_string(VerifyReport::Format f) noexcept {
    switch (f) {
    case VerifyReport::Format::unknown: return "unknown format";
    case VerifyReport::Format::kdump: return "kdump-compressed";
    case VerifyReport::Format::elf: return "ELF vmcore";
    case VerifyReport::Format::flattened: return "flattened (makedumpfile -F)";
    }
    return "unknown format";
}

Result<VerifyReport> verify_dump(const std::string& path) {
    VerifyReport report;
    report.path = path;
    auto probed = probe_dump_file(path);
    if (!probed.is_ok()) return probed.take_status().with_context("verify");
    const std::vector<std::byte>& head = probed->head;

    // A broken kdump or ELF file is still checked: its reader names what is wrong with it.
    if (probed->format != nullptr) {
        switch (probed->format->format) {
        case DumpFormat::kdump: return verify_kdump(path, std::move(report));
        case DumpFormat::elf: return verify_elf(path, head, std::move(report));
        case DumpFormat::flat:
            if (probed->result != ProbeResult::mine) break;  // too short to be one: "not a dump" below
            report.format = VerifyReport::Format::flattened;
            report.notes.push_back("this is a flattened dump (makedumpfile -F): reassemble it first with "
                                   "`kdump-failover reassemble " + path + " OUT` (or `makedumpfile -R OUT < " + path +
                                   "`), then verify OUT");
            return report;
        }
    }
    report.checked = true;
    if (head.empty()) report.problems.push_back("the file is empty");
    else if (head.size() >= 8 && std::memcmp(head.data(), "DISKDUMP", 8) == 0)
        report.problems.push_back("old diskdump format (\"DISKDUMP\" signature): not supported, only makedumpfile's "
                                  "kdump-compressed \"KDUMP   \" format");
    else
        report.problems.push_back("not a dump: the file starts with neither the kdump-compressed \"KDUMP   \" signature, "
                                  "an ELF header nor the flattened \"makedumpfile\" signature");
    return report;
}

std::string to_text(const VerifyReport& r) {
    std::string out = r.path + ": " + to_string(r.format);
    if (r.format == VerifyReport::Format::kdump)
        out += ", header_version " + std::to_string(r.header_version) + ", block size " + num(r.block_size) +
               ", max_mapnr " + num(r.max_mapnr);
    out += "\n";
    if (r.checked && (r.format == VerifyReport::Format::kdump || r.format == VerifyReport::Format::elf)) {
        out += "pages: present " + num(r.pages_present) + ", dumped " + num(r.pages_dumped);
        if (r.format == VerifyReport::Format::kdump)
            out += ", zero-shared " + num(r.pages_zero_shared) + ", read back " + num(r.pages_checked);
        if (!r.pages_by_codec.empty()) {
            out += "; by codec:";
            for (const auto& [name, n] : r.pages_by_codec) out += " " + name + " " + num(n);
        }
        out += "\n";
    }
    for (const auto& n : r.notes) out += "note: " + n + "\n";
    for (const auto& w : r.warnings) out += "warning: " + w + "\n";
    for (const auto& p : r.problems) out += "problem: " + p + "\n";
    if (!r.checked) out += "NOT CHECKED: " + std::string(to_string(r.format)) + "\n";
    else if (r.problems.empty()) out += "OK: no problem found\n";
    else out += "FAILED: " + num(r.problems.size()) + (r.problems.size() == 1 ? " problem\n" : " problems\n");
    return out;
}

}  // namespace kdf::format
