#include "core/format/page_order.h"

#include <cinttypes>
#include <cstdio>

namespace kdf::format {

void PageOrder::skip_empty() {
    if (pages_ == nullptr) return;
    while (run_ < pages_->runs().size() && pos_ >= pages_->runs()[run_].count) {
        ++run_;
        pos_ = 0;
    }
}

Status PageOrder::accept(uint64_t pfn, const char* writer) {
    char msg[200];
    if (done()) {
        std::snprintf(msg, sizeof msg, "%s: page pfn 0x%" PRIx64 " handed over after the last page of the plan", writer,
                      pfn);
        return Status::error(Code::corrupt, msg);
    }
    const PageSet::Run& r = pages_->runs()[run_];
    const uint64_t want = r.first_pfn + pos_;
    if (pfn != want) {
        std::snprintf(msg, sizeof msg, "%s: page pfn 0x%" PRIx64 " handed over out of order (expected pfn 0x%" PRIx64 ")",
                      writer, pfn, want);
        return Status::error(Code::corrupt, msg);
    }
    last_run_ = run_;
    ++pos_;
    ++delivered_;
    run_ended_ = pos_ == r.count;
    skip_empty();
    return Status::ok();
}

}  // namespace kdf::format
