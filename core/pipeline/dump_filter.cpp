// core/pipeline/dump_filter.cpp - see dump_filter.h.
#include "core/pipeline/dump_filter.h"

#include <chrono>
#include <vector>

namespace kdf::pipeline {
namespace {

std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : "; ") + p;
    return s;
}

}  // namespace

DumpFilter prepare_dump_filter(const vmcore::ElfVmcore& core, const format::PageSet& pages, int level) {
    DumpFilter out;
    const bool asked = (level & ~filter::kLevelZero) != 0;  // the level excludes page classes
    std::vector<std::string> problems;
    std::vector<std::string> disabled;
    if (!asked) {
        // Only the always-on rules (hwpoison, offline) could apply: skip quietly when they cannot.
        if (!core.has_vmcoreinfo()) return out;
        std::vector<std::string> ignored;
        auto rules = filter::PageRules::from(core.vmcoreinfo(), level, ignored);
        if (!rules.is_ok() || !rules->walk_needed()) return out;
    }
    auto opened = filter::PageFilter::open(core, level, pages.max_mapnr(), disabled);
    for (const auto& d : disabled) problems.push_back(d + ": kept");
    if (!opened.is_ok()) {
        problems.push_back("pages cannot be classified (" + opened.status().message() + "): every page is dumped" +
                           ((level & filter::kLevelZero) ? " (zero pages are still left out)" : ""));
        out.warning = "dump level " + std::to_string(level) + ": " + join(problems);
        return out;
    }
    out.filter = std::move(opened).value();
    if (out.filter) {
        const auto start = std::chrono::steady_clock::now();
        filter::PageFilter::Cursor cursor = out.filter->cursor();
        for (const auto& r : pages.runs())
            for (uint64_t pfn = r.first_pfn; pfn < r.end_pfn(); ++pfn) out.excluded_pages += cursor.excluded(pfn);
        out.count_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (out.filter->layout().unreadable_sections)
            problems.push_back(std::to_string(out.filter->layout().unreadable_sections) +
                               " mem_section entries unreadable: their pages are dumped");
        if (cursor.unclassified())
            problems.push_back(std::to_string(cursor.unclassified()) + " pages could not be classified (" +
                               cursor.first_error() + "): they are dumped");
        if (cursor.bad_free_orders())
            problems.push_back(std::to_string(cursor.bad_free_orders()) +
                               " free pages have an order beyond LENGTH(zone.free_area): kept");
    }
    if (!problems.empty()) out.warning = "dump level " + std::to_string(level) + ": " + join(problems);
    return out;
}

}  // namespace kdf::pipeline
