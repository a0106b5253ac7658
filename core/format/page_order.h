// core/format/page_order.h - checks that pages arrive as the plan said: every pfn of a PageSet,
// ascending, none missing, none twice. Both writers lay pages out by position, so a page out of
// order would silently land at the wrong address; this turns that into an error instead.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/format/page_set.h"
#include "kdf/status.h"

namespace kdf::format {

class PageOrder {
public:
    // A null set (a plan without pages) accepts nothing and is done at once.
    explicit PageOrder(const PageSet* pages) : pages_(pages) { skip_empty(); }

    // Accepts `pfn` if it is the next page of the set; otherwise a Code::corrupt Status naming both.
    Status accept(uint64_t pfn, const char* writer);

    bool done() const noexcept { return pages_ == nullptr || run_ >= pages_->runs().size(); }
    uint64_t delivered() const noexcept { return delivered_; }
    // True right after accept() took the last page of a run (the writers close segments there).
    bool run_ended() const noexcept { return run_ended_; }
    size_t run_index_of_last() const noexcept { return last_run_; }

private:
    void skip_empty();

    const PageSet* pages_;
    size_t run_ = 0;
    uint64_t pos_ = 0;  // pages of run_ already taken
    uint64_t delivered_ = 0;
    bool run_ended_ = false;
    size_t last_run_ = 0;
};

}  // namespace kdf::format
