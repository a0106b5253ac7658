// part_schedule.h - how large each part of a multipart upload is, and how many may be in flight.
//
// S3 allows at most 10,000 parts per upload, each but the last at least 5 MiB and at most 5 GiB.
// A fixed part size would cap the dump (8 MiB x 10,000 = 80 GiB) and fail only at part 10,001,
// hours into the upload. So the size grows:
//
//   first  = max(part_size, hint / 8,000 rounded up to 1 MiB)        hint = the dump's size bound
//   steady = 8,000 parts with a hint, 1,000 without
//   size(n) = first                                          for n <= steady
//           = first x 2^(floor((n - steady - 1) / 900) + 1)  after, capped at 5 GiB
//
// Without a hint, parts double every 900 parts after the first 1,000: 10,000 parts of a 5 MiB
// start hold about 9.7 TB, more than S3's 5 TiB object limit (steps of 1,000 would hold 5.36 TB,
// short of it). With a hint, the first 8,000 parts alone hold the whole bound and the last 2,000
// still double, a margin for a stream slightly larger than it.
//
// Memory: parts are held until acknowledged, so bigger parts would mean more memory. The window
// keeps the bytes it holds (parts in flight plus the one being filled) within
// first x (parts_in_flight + 1) by sending fewer parts at once as they grow, never fewer than
// one: memory is at most max(first x (parts_in_flight + 1), 2 x size(n)).
#pragma once

#include <cstdint>

namespace kdf::s3 {

inline constexpr uint32_t kMaxParts = 10'000;
inline constexpr uint64_t kMinPartSize = 5ull << 20;
inline constexpr uint64_t kMaxPartSize = 5ull << 30;

class PartSchedule {
public:
    // `part_size` is the configured size (5 MiB or more); `size_hint` the dump's size bound, 0 if unknown.
    PartSchedule(uint64_t part_size, uint64_t size_hint, uint32_t parts_in_flight) noexcept;

    // Size of part `number` (1-based); the last part of a dump may be shorter.
    uint64_t size_of(uint32_t number) const noexcept;
    // Parts that may be on the wire at once while parts of `size` bytes are sent.
    uint32_t in_flight_for(uint64_t size) const noexcept;
    // The bytes the window may hold: first x (parts_in_flight + 1).
    uint64_t memory_budget() const noexcept { return first_ * (in_flight_ + 1ull); }
    uint64_t first() const noexcept { return first_; }

private:
    uint64_t first_;
    uint32_t steady_;
    uint32_t in_flight_;
};

}  // namespace kdf::s3
