// core/pipeline/unreadable_ranges.h - the pages of a dump the vmcore could not be read at.
//
// Purpose: the pipeline hands every unreadable pfn here in ascending order; consecutive pfns are
// merged into one range, and each range is announced once, when it closes (the next pfn is not
// its successor, or the dump ends), through `on_range`: the console line. The note beside the
// dump (note_text()) lists the ranges again with the reason.
// Memory: at most kMaxListed ranges are kept for the note; past that only counts grow (a machine
// whose memory fails everywhere must not make the dump run out of memory describing it).
// Threads: used by the pipeline's main thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kdf::pipeline {

struct UnreadableRange {
    uint64_t first_pfn = 0;
    uint64_t pages = 0;
    std::string why;  // the first error seen in the range, e.g. "Input/output error (EIO)"
};

class UnreadableRanges {
public:
    static constexpr size_t kMaxListed = 1024;

    explicit UnreadableRanges(uint64_t page_size, std::function<void(const std::string& line)> on_range = {})
        : page_size_(page_size), on_range_(std::move(on_range)) {}

    // Records unreadable `pfn` (ascending across calls); `why` is kept for the range it starts.
    void add(uint64_t pfn, const std::string& why);
    // Closes the open range (announcing it). Call once after the last add().
    void finish();

    uint64_t pages() const noexcept { return pages_; }
    uint64_t ranges() const noexcept { return ranges_; }
    const std::vector<UnreadableRange>& listed() const noexcept { return listed_; }
    bool empty() const noexcept { return pages_ == 0; }

    // One line per range: "pfn 0x...-0x... (N pages, physical 0x...-0x...): left out: WHY".
    std::string describe(const UnreadableRange& r) const;
    // The note beside the dump: what happened, then every listed range (and how many were not).
    std::string note_text() const;

private:
    void close();

    uint64_t page_size_;
    std::function<void(const std::string&)> on_range_;
    UnreadableRange open_;
    bool is_open_ = false;
    uint64_t pages_ = 0;
    uint64_t ranges_ = 0;
    std::vector<UnreadableRange> listed_;
};

// The side file's name beside the dump (like vmcore-dmesg.txt).
inline constexpr const char* kUnreadableNoteName = "vmcore-unreadable.txt";

}  // namespace kdf::pipeline
