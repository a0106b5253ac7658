// The SFTP write window: fixed counts stay put; the adaptive window doubles only while a bigger
// window buys rate, stays small when something else is the limit, and never passes its budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "write_window.h"

namespace {

using kdf::ssh::WriteWindow;
using namespace std::chrono_literals;

constexpr uint32_t request = 256 * 1024;

// Drives one round of `w`: depth() requests acknowledged over `round_time`, the window full
// (the sender waited) when `window_limited`.
void round_of(WriteWindow& w, WriteWindow::Clock::time_point& now, std::chrono::microseconds round_time,
              bool window_limited) {
    const unsigned n = w.depth();
    w.on_sent(now);
    if (window_limited) w.on_full();
    for (unsigned i = 0; i < n; ++i) {
        now += round_time / n;
        w.on_acknowledged(request, now);
    }
}

// A link whose round trip alone limits the rate: a round always takes one round trip, so the
// rate is proportional to the window.
void long_link_round(WriteWindow& w, WriteWindow::Clock::time_point& now) { round_of(w, now, 22ms, true); }

TEST(WriteWindow, FixedNeverMoves) {
    WriteWindow w = WriteWindow::fixed(4);
    EXPECT_FALSE(w.is_adaptive());
    auto now = WriteWindow::Clock::time_point{};
    for (int i = 0; i < 20; ++i) long_link_round(w, now);
    EXPECT_EQ(w.depth(), 4u);
    EXPECT_EQ(WriteWindow::fixed(0).depth(), 1u);  // zero would never send anything
}

TEST(WriteWindow, GrowsOnALongRoundTripUpToTheBudget) {
    WriteWindow w = WriteWindow::adaptive(request, 16ull << 20);
    EXPECT_EQ(w.depth(), 4u);
    EXPECT_EQ(w.max_depth(), 64u);  // 16 MiB / 256 KiB
    auto now = WriteWindow::Clock::time_point{};
    long_link_round(w, now);
    EXPECT_EQ(w.depth(), 8u);
    long_link_round(w, now);
    EXPECT_EQ(w.depth(), 16u);
    for (int i = 0; i < 20; ++i) long_link_round(w, now);
    EXPECT_EQ(w.depth(), 64u);  // the budget, not more
}

TEST(WriteWindow, StopsWhenTheRateNoLongerRises) {
    // The window is full, but rounds take as long per byte at 8 as at 4: the server or the link
    // rate is the limit, and a bigger window only holds more in flight.
    WriteWindow w = WriteWindow::adaptive(request);
    auto now = WriteWindow::Clock::time_point{};
    round_of(w, now, 4ms, true);  // 1 MiB in 4 ms
    EXPECT_EQ(w.depth(), 8u);     // the first full round has nothing to compare with: one doubling
    for (int i = 0; i < 10; ++i) round_of(w, now, 8ms, true);  // 2 MiB in 8 ms: the same rate
    EXPECT_EQ(w.depth(), 8u);
}

TEST(WriteWindow, DoesNotGrowWhenTheProducerIsTheLimit) {
    // Rounds that never filled the window (the compressor could not keep up) say nothing about
    // the window, however fast they were acknowledged.
    WriteWindow w = WriteWindow::adaptive(request);
    auto now = WriteWindow::Clock::time_point{};
    for (int i = 0; i < 10; ++i) round_of(w, now, std::chrono::microseconds(100 + 400 * (i % 2)), false);
    EXPECT_EQ(w.depth(), 4u);
}

TEST(WriteWindow, GrowsAgainWhenTheLinkOpensUp) {
    WriteWindow w = WriteWindow::adaptive(request);
    auto now = WriteWindow::Clock::time_point{};
    round_of(w, now, 4ms, true);
    for (int i = 0; i < 3; ++i) round_of(w, now, 8ms, true);
    ASSERT_EQ(w.depth(), 8u);
    round_of(w, now, 4ms, true);  // twice the best rate: a bigger window pays again
    EXPECT_EQ(w.depth(), 16u);
}

TEST(WriteWindow, AShortRoundTripKeepsTheWindowSmall) {
    // 0.3 ms round trip, 1 MiB acknowledged per 4 ms (262 MB/s): one round trip carries ~80 KB, so
    // 4 writes (1 MiB) are already far more than the link needs, however the rate moves.
    WriteWindow w = WriteWindow::adaptive(request);
    w.on_round_trip(300us);
    w.on_round_trip(2ms);  // a slower answer does not raise the round trip
    auto now = WriteWindow::Clock::time_point{};
    round_of(w, now, 4ms, true);
    round_of(w, now, 2ms, true);  // twice as fast: still not the window's doing
    EXPECT_EQ(w.depth(), 4u);
}

TEST(WriteWindow, ALongRoundTripGrowsUntilTheLinkIsFull) {
    // 22 ms round trip; the link gives at most 100 MB/s: the rate follows the window (4: 48 MB/s,
    // 8: 95 MB/s) until the window carries what the link does; at 16 (4 MiB, 100 MB/s) a doubling
    // gained only 5%, so the window stays there, far below the budget.
    WriteWindow w = WriteWindow::adaptive(request);
    w.on_round_trip(22ms);
    auto now = WriteWindow::Clock::time_point{};
    for (int i = 0; i < 20; ++i) {
        const double window_bytes = double(w.depth()) * request;
        const double seconds = std::max(0.022, window_bytes / 100e6);
        round_of(w, now, std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6)), true);
    }
    EXPECT_EQ(w.depth(), 16u);
}

TEST(WriteWindow, SmallBudgetCapsTheStart) {
    WriteWindow w = WriteWindow::adaptive(request, 2 * request);
    EXPECT_EQ(w.depth(), 2u);
    EXPECT_EQ(w.max_depth(), 2u);
    auto now = WriteWindow::Clock::time_point{};
    long_link_round(w, now);
    EXPECT_EQ(w.depth(), 2u);
}

}  // namespace
