// part_schedule.cpp - part sizes that grow so a dump of any size fits S3's 10,000 parts.
#include "part_schedule.h"

#include <algorithm>

namespace kdf::s3 {

namespace {

// 900, not 1,000: with 5 MiB parts, steps of 1,000 would hold 5.36 TB, short of S3's 5 TiB.
constexpr uint32_t kPartsPerStep = 900;
constexpr uint32_t kSteadyWithoutHint = 1'000;
constexpr uint32_t kSteadyWithHint = 8'000;
constexpr uint64_t kMiB = 1ull << 20;

}  // namespace

PartSchedule::PartSchedule(uint64_t part_size, uint64_t size_hint, uint32_t parts_in_flight) noexcept
    : first_(std::max(part_size, kMinPartSize)),
      steady_(size_hint ? kSteadyWithHint : kSteadyWithoutHint),
      in_flight_(std::max(parts_in_flight, 1u)) {
    if (size_hint) {
        const uint64_t per_part = (size_hint + kSteadyWithHint - 1) / kSteadyWithHint;
        first_ = std::max(first_, (per_part + kMiB - 1) / kMiB * kMiB);
    }
    first_ = std::min(first_, kMaxPartSize);
}

uint64_t PartSchedule::size_of(uint32_t number) const noexcept {
    if (number <= steady_) return first_;
    const uint32_t doublings = (number - steady_ - 1) / kPartsPerStep + 1;
    // 5 GiB / 5 MiB = 1024: ten doublings reach the cap from any start.
    if (doublings >= 10) return kMaxPartSize;
    return std::min(first_ << doublings, kMaxPartSize);
}

uint32_t PartSchedule::in_flight_for(uint64_t size) const noexcept {
    if (size == 0) return in_flight_;
    // The budget holds the parts in flight plus the one being filled.
    const uint64_t buffers = memory_budget() / size;
    if (buffers <= 2) return 1;
    return static_cast<uint32_t>(std::min<uint64_t>(buffers - 1, in_flight_));
}

}  // namespace kdf::s3
