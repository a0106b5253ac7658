#include "core/pipeline/unreadable_ranges.h"

#include <cinttypes>

#include "core/common/printf_text.h"

namespace kdf::pipeline {

using common::printf_text;

void UnreadableRanges::add(uint64_t pfn, const std::string& why) {
    ++pages_;
    if (is_open_ && pfn == open_.first_pfn + open_.pages) {
        ++open_.pages;
        return;
    }
    close();
    open_ = UnreadableRange{pfn, 1, why};
    is_open_ = true;
}

void UnreadableRanges::finish() { close(); }

void UnreadableRanges::close() {
    if (!is_open_) return;
    is_open_ = false;
    ++ranges_;
    if (on_range_) on_range_(describe(open_));
    if (listed_.size() < kMaxListed) listed_.push_back(std::move(open_));
}

std::string UnreadableRanges::describe(const UnreadableRange& r) const {
    const uint64_t last = r.first_pfn + r.pages - 1;
    return printf_text("unreadable memory: pfn 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " page%s, physical 0x%" PRIx64
                       "-0x%" PRIx64 "): left out of the dump as if filtered: %s",
                       r.first_pfn, last, r.pages, r.pages == 1 ? "" : "s", r.first_pfn * page_size_,
                       (last + 1) * page_size_ - 1, r.why.c_str());
}

std::string UnreadableRanges::note_text() const {
    std::string text = printf_text(
        "# The crashed machine's memory could not be read in these ranges (%" PRIu64 " page%s in %" PRIu64
        " range%s).\n# Their pages are not in the dump: readers see them as excluded (kdump format), or as zeros\n"
        "# (ELF format, which cannot mark them absent). Every other page is as it was read.\n",
        pages_, pages_ == 1 ? "" : "s", ranges_, ranges_ == 1 ? "" : "s");
    for (const UnreadableRange& r : listed_) text += describe(r) + "\n";
    if (ranges_ > listed_.size())
        text += printf_text("# ... and %" PRIu64 " more ranges, not listed\n", ranges_ - listed_.size());
    return text;
}

}  // namespace kdf::pipeline
