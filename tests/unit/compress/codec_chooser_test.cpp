// `compress = auto`'s chooser, driven with synthetic rates: CPU-bound and link-bound picks, the
// hysteresis, the probing of a sink that got faster, and the ladders per reader set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/compress/auto_ladder.h"
#include "core/compress/codec_chooser.h"
#include "core/compress/codec_registry.h"

namespace kdf::compress::test {
namespace {

constexpr double kMB = 1e6;

// Per-codec cost of the synthetic workload: seconds of one thread per input byte, and the ratio.
struct Cost {
    double cpu_per_byte;
    double ratio;
};
// Like real pages: lzo 500 MB/s at 45%, zstd-1 330 MB/s at 32%, zstd-3 200 MB/s at 29%,
// zstd-9 40 MB/s at 24%.
const Cost kCosts[] = {{1 / (500 * kMB), 0.45}, {1 / (330 * kMB), 0.32}, {1 / (200 * kMB), 0.29}, {1 / (40 * kMB), 0.24}};

// Input bytes per second codec i really lands with `threads` and a sink of `sink_mb` MB/s (0: none).
double true_rate(size_t i, unsigned threads, double sink_mb) {
    const double cpu = kCosts[i].cpu_per_byte / threads;
    const double sink = sink_mb > 0 ? kCosts[i].ratio / (sink_mb * kMB) : 0.0;
    return 1 / std::max(cpu, sink);
}
double best_fixed_rate(unsigned threads, double sink_mb) {
    double best = 0;
    for (size_t i = 0; i < 4; ++i) best = std::max(best, true_rate(i, threads, sink_mb));
    return best;
}

// Drives a chooser as the pipeline does: per batch of 1 MB of input, one sample page compressed by
// every codec, then the batch written to a sink of `sink_mb` MB/s (0: it never blocks). The batch
// takes as long as the slower of its compression and its sink time.
struct Drive {
    unsigned threads;
    CodecChooser chooser;
    double now = 0;
    double input = 0, elapsed = 0;  // of the last run()

    explicit Drive(unsigned t, ChooserOptions o = {}) : threads(t), chooser(auto_ladder("any"), with_threads(o, t)) {}
    static ChooserOptions with_threads(ChooserOptions o, unsigned t) {
        o.threads = t;
        return o;
    }

    void run(double seconds, double sink_mb) {
        input = elapsed = 0;
        for (double end = now + seconds; now < end;) {
            for (size_t i = 0; i < 4; ++i)
                chooser.observe_codec(i, 4096, static_cast<uint64_t>(4096 * kCosts[i].ratio), 4096 * kCosts[i].cpu_per_byte);
            const Cost& c = kCosts[chooser.current()];
            const double out = 1e6 * c.ratio;
            const double cpu = 1e6 * c.cpu_per_byte / threads;
            const double sink = sink_mb > 0 ? out / (sink_mb * kMB) : 0.0;
            const double step = std::max(cpu, sink);
            now += step;
            input += 1e6;
            elapsed += step;
            // The writer blocks only when the sink is slower than the compressors, and then all the
            // time: the workers have the next batches ready.
            chooser.observe_sink(static_cast<uint64_t>(out), sink > cpu ? step : 0.0, now);
            chooser.choose(now);
        }
    }
    double achieved() const { return input / elapsed; }
    std::string label() const { return chooser.ladder()[chooser.current()].label; }
};

TEST(CodecChooser, StartsWithTheLightestCodec) {
    CodecChooser c(auto_ladder("any"), {});
    EXPECT_EQ(c.choose(0), 0u);
    EXPECT_EQ(c.ladder()[0].label, "lzo");
    EXPECT_EQ(c.estimated_rate(1), 0.0);
    EXPECT_TRUE(std::isinf(c.drain_rate()));
}

TEST(CodecChooser, KeepsTheLightestWhenTheSinkKeepsUp) {
    Drive d(2);
    d.run(3, 0);
    EXPECT_EQ(d.label(), "lzo");
    EXPECT_EQ(d.chooser.switches(), 0u);
    EXPECT_NE(d.chooser.explain().find("cpu-bound (the sink keeps up, 2 threads at 100% of a CPU)"), std::string::npos) << d.chooser.explain();
}

// A 1 Gbit/s link (119 MB/s) with two threads: lzo lands 119/0.45 = 264 MB/s of input, zstd-1
// 372, zstd-3 400 (the CPU's limit), zstd-9 80. Auto lands within 10% of the best fixed codec
// (probing for a faster link costs a little) and far ahead of lzo.
TEST(CodecChooser, PicksAStrongerCodecWhenTheLinkIsTheBottleneck) {
    Drive d(2);
    d.run(2, 119);  // settle
    d.run(10, 119);
    EXPECT_NE(d.label(), "lzo") << d.chooser.explain();
    EXPECT_GE(d.achieved(), 0.9 * best_fixed_rate(2, 119)) << d.chooser.explain();
    EXPECT_GE(d.achieved(), 1.3 * true_rate(0, 2, 119)) << d.chooser.explain();
    EXPECT_LE(d.chooser.switches(), 12u) << "no flapping";
    const std::string why = d.chooser.explain();
    EXPECT_NE(why.find("sink drains 1"), std::string::npos) << why;
    EXPECT_NE(why.find("est. input MB/s: lzo "), std::string::npos) << why;
}

// With one thread the CPU limits zstd-3 to 200 MB/s; zstd-1 (330 MB/s) is the best fixed codec.
TEST(CodecChooser, TheThreadCountMovesTheChoice) {
    Drive d(1);
    d.run(2, 119);
    d.run(10, 119);
    EXPECT_GE(d.achieved(), 0.9 * best_fixed_rate(1, 119)) << d.chooser.explain();
    EXPECT_NE(d.label(), "zstd-3");
    EXPECT_NE(d.label(), "zstd-9");
}

// 10 MB/s: only the ratio counts, and zstd-9's is the best by far.
// Workers that get half a CPU each (a busy machine, the transport's encryption beside them) make
// the CPU the limit sooner: two threads at 50% compress zstd-3 at 200 MB/s, not 400, and zstd-1
// (330 MB/s, link-limited to 372) wins over the link of the test above.
TEST(CodecChooser, AWorkersShareOfTheCpuCounts) {
    CodecChooser c(auto_ladder("any"), Drive::with_threads({}, 2));
    for (int i = 0; i < 100; ++i) {
        for (size_t k = 0; k < 4; ++k)
            c.observe_codec(k, 4096, static_cast<uint64_t>(4096 * kCosts[k].ratio), 4096 * kCosts[k].cpu_per_byte);
        c.observe_worker(0.005, 0.010);
    }
    EXPECT_NEAR(c.cpu_share(), 0.5, 0.01);
    c.observe_sink(0, 0, 0);
    c.observe_sink(static_cast<uint64_t>(119 * kMB * 0.3), 0.3, 0.3);  // saturated at 119 MB/s
    EXPECT_NEAR(c.estimated_rate(2) / kMB, 200, 1);
    EXPECT_NEAR(c.estimated_rate(1) / kMB, 330, 1);
    c.choose(0.3);
    c.choose(1.0);
    EXPECT_EQ(c.ladder()[c.current()].label, "zstd-1") << c.explain();
    EXPECT_NE(c.explain().find("2 threads at 50% of a CPU"), std::string::npos) << c.explain();
}

TEST(CodecChooser, ASlowLinkGetsTheStrongestCodec) {
    Drive d(2);
    d.run(8, 10);
    EXPECT_EQ(d.label(), "zstd-9") << d.chooser.explain();
    EXPECT_NE(d.chooser.explain().find("zstd-9, link-bound (sink drains 10.0 MB/s, 2 threads at 100% of a CPU)"), std::string::npos)
        << d.chooser.explain();
}

// The choice moves to a stronger codec when the link is tightened during the dump, and back to
// the lightest when it opens up again (found by probing: the drain estimate grows while the sink
// keeps up).
TEST(CodecChooser, FollowsTheLinkBothWays) {
    Drive d(2);
    d.run(2, 0);
    EXPECT_EQ(d.label(), "lzo");
    d.run(8, 10);
    EXPECT_EQ(d.label(), "zstd-9") << d.chooser.explain();
    d.run(20, 0);
    EXPECT_EQ(d.label(), "lzo") << d.chooser.explain();
}

// A rival must be ahead by the margin for hold_seconds before it replaces the current codec.
TEST(CodecChooser, WaitsForTheRivalToStayAhead) {
    ChooserOptions o;
    o.hold_seconds = 1.0;
    Drive d(2, o);
    d.run(0.9, 10);  // the first window measured the link; a rival is ahead for < 1 s
    EXPECT_EQ(d.label(), "lzo");
    EXPECT_EQ(d.chooser.switches(), 0u);
    d.run(0.5, 10);
    EXPECT_NE(d.label(), "lzo");
    EXPECT_EQ(d.chooser.switches(), 1u);
}

// Two codecs within the margin of each other: no switching back and forth on noise.
TEST(CodecChooser, IgnoresARivalWithinTheMargin) {
    ChooserOptions o;
    o.threads = 1;
    o.hold_seconds = 0.1;
    CodecChooser c({{"lzo", 1, "a"}, {"zstd", 1, "b"}}, o);
    double now = 0;
    for (int step = 0; step < 400; ++step) {
        // b is 5% faster on even steps and 3% slower on odd ones.
        const double b = step % 2 ? 0.97 : 1.05;
        c.observe_codec(0, 1000, 500, 1000 / (100 * kMB));
        c.observe_codec(1, 1000, 500, 1000 / (b * 100 * kMB));
        now += 0.01;
        c.observe_sink(1000, 0, now);
        c.choose(now);
    }
    EXPECT_EQ(c.current(), 0u);
    EXPECT_EQ(c.switches(), 0u);
}

// Estimates that swing faster than the hold time never cause a switch at all; steady ones switch
// once and stay.
TEST(CodecChooser, SwitchesAtMostOncePerHold) {
    ChooserOptions o;
    o.threads = 1;
    o.hold_seconds = 0.5;
    o.smoothing = 1.0;  // no smoothing: the raw samples decide
    CodecChooser c({{"lzo", 1, "a"}, {"zstd", 1, "b"}}, o);
    double now = 0;
    for (int step = 0; step < 300; ++step) {
        const bool b_fast = (step / 20) % 2 == 0;  // b ahead for 0.2 s, then behind for 0.2 s
        c.observe_codec(0, 1000, 500, 1000 / (100 * kMB));
        c.observe_codec(1, 1000, 500, 1000 / ((b_fast ? 200 : 50) * kMB));
        now += 0.01;
        c.choose(now);
    }
    EXPECT_EQ(c.switches(), 0u);
}

TEST(CodecChooser, RawPagesCapTheRatioAtOne) {
    ChooserOptions o;
    CodecChooser c({{"lzo", 1, "lzo"}}, o);
    c.observe_codec(0, 4096, 4200, 1e-6);
    c.observe_sink(0, 0, 0);
    c.observe_sink(4096, 1.0, 1.0);  // saturated: 4096 B/s
    EXPECT_NEAR(c.estimated_rate(0), 4096, 1);
}

TEST(AutoLadder, EachReaderSetGetsCodecsItsReadersDecode) {
    EXPECT_EQ(auto_reader_sets(), (std::vector<std::string>{"any", "makedumpfile-1.7.2"}));
    for (const std::string& readers : auto_reader_sets()) {
        const auto ladder = auto_ladder(readers);
        ASSERT_FALSE(ladder.empty()) << readers;
        EXPECT_EQ(ladder.front().codec, "lzo") << readers;
        for (const AutoCandidate& c : ladder) {
            EXPECT_NE(c.codec, "lz4") << "no reader decodes lz4 pages";
            EXPECT_NE(c.codec, "none");
            if (readers == "makedumpfile-1.7.2") {
                EXPECT_NE(c.codec, "zstd") << "Debian's makedumpfile has no zstd";
            }
            auto made = builtin_codecs().create(c.codec, c.level);
            EXPECT_TRUE(made.is_ok()) << c.label << ": " << made.status().to_string();
        }
    }
    EXPECT_TRUE(auto_ladder("crash-7").empty());
}

}  // namespace
}  // namespace kdf::compress::test
