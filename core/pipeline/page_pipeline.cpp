#include "core/pipeline/page_pipeline.h"

#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/common/zero_bytes.h"
#include "core/compress/auto_ladder.h"
#include "core/compress/codec_chooser.h"
#include "core/compress/codec_registry.h"
#include "core/pipeline/thread_cpu_share.h"

namespace kdf::pipeline {

namespace {

struct PageOut {
    uint32_t size = 0;
    uint32_t flags = 0;
    bool zero = false;
    bool packed = false;  // data is in Batch::packed at i * slot, else in Batch::raw
};

// One sample page compressed by one candidate codec (auto).
struct SampleCost {
    uint64_t in = 0;
    uint64_t out = 0;
    double cpu_seconds = 0;
};

struct Batch {
    uint64_t seq = 0;
    uint32_t codec = 0;               // index of the worker's codec to use (the auto candidate)
    bool sample = false;              // auto: also time one page with every candidate
    std::vector<SampleCost> samples;  // per candidate, filled by the worker when `sample`
    double cpu_seconds = 0;           // auto: the worker's CPU time since its previous batch, and that
    double wanted_seconds = 0;        // plus its time waiting for a CPU (0: not measured)
    uint64_t first_pfn = 0;
    uint32_t span = 0;                // pfns covered, kept or excluded
    uint32_t count = 0;               // kept pages, packed in raw/pages in pfn order
    std::vector<uint64_t> keep;       // bit i: pfn first_pfn + i is kept
    std::vector<uint64_t> bad;        // bit i: kept, but the vmcore could not be read there (zeros in raw)
    std::vector<std::byte> raw;
    std::vector<std::byte> packed;
    std::vector<PageOut> pages;
    Status status;

    bool kept(uint32_t i) const { return ((keep[i >> 6] >> (i & 63)) & 1) != 0; }
    bool unreadable(uint32_t i) const { return ((bad[i >> 6] >> (i & 63)) & 1) != 0; }
};

// How many pfns one batch may cover, per page it may carry: a level-31 dump keeps about one page
// in ten, so batches stay full without letting the keep mask grow large.
constexpr unsigned kMaxSpanFactor = 64;

// auto: one batch in this many carries a sample. Compressing one page with every candidate costs
// about as much as a few dozen pages with the light codec, so this keeps sampling near 2% of the
// work while still giving the chooser many fresh samples per second.
constexpr uint64_t kSampleEvery = 16;

// The calling thread's CPU time: a worker's compression time, not counting the time other threads
// (on a loaded machine) kept it off a CPU.
double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

using Codecs = std::vector<std::unique_ptr<compress::Codec>>;  // one worker's: one per candidate

// Cuts the PageSet's runs into batches as the dump goes: the next pfns of the current run, until
// the batch holds batch_pages kept pages or spans its maximum.
class PieceSource {
public:
    PieceSource(const format::PageSet& pages, unsigned batch_pages, filter::PageFilter::Cursor* filter,
                UnreadableRanges& unreadable)
        : pages_(pages), batch_pages_(batch_pages), max_span_(batch_pages * kMaxSpanFactor), filter_(filter),
          unreadable_(unreadable) {}

    static size_t mask_words(unsigned batch_pages) { return (batch_pages * kMaxSpanFactor + 63) / 64; }

    // Fills b's pfn range and keep mask and reads its kept pages; false when the runs are done.
    Result<bool> next(Batch& b, const vmcore::ElfVmcore& core) {
        const auto& runs = pages_.runs();
        while (run_ < runs.size() && pos_ >= runs[run_].count) {
            ++run_;
            pos_ = 0;
        }
        if (run_ >= runs.size()) return false;
        const format::PageSet::Run& r = runs[run_];
        const uint64_t ps = pages_.page_size();
        b.first_pfn = r.first_pfn + pos_;
        std::fill(b.keep.begin(), b.keep.end(), 0);
        std::fill(b.bad.begin(), b.bad.end(), 0);
        const uint64_t limit = std::min<uint64_t>(max_span_, r.count - pos_);
        uint32_t span = 0, kept = 0;
        while (span < limit && kept < batch_pages_) {
            if (filter_ == nullptr || !filter_->excluded(b.first_pfn + span)) {
                b.keep[span >> 6] |= 1ULL << (span & 63);
                ++kept;
            }
            ++span;
        }
        b.span = span;
        b.count = kept;
        // Read the kept pages: one pread per stretch of consecutive kept, file-backed pages;
        // pages past the run's file bytes (p_filesz < p_memsz) read as zero.
        uint32_t slot = 0;
        for (uint32_t i = 0; i < span;) {
            if (!b.kept(i)) {
                ++i;
                continue;
            }
            uint32_t j = i;
            while (j < span && b.kept(j)) ++j;
            for (uint32_t k = i; k < j;) {
                const uint64_t in_run = pos_ + k;
                if (in_run >= r.file_pages) {
                    std::memset(b.raw.data() + static_cast<size_t>(slot) * ps, 0, static_cast<size_t>(j - k) * ps);
                    slot += j - k;
                    break;
                }
                const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(j - k, r.file_pages - in_run));
                std::span<std::byte> dest(b.raw.data() + static_cast<size_t>(slot) * ps, static_cast<size_t>(n) * ps);
                if (Status s = core.read(r.file_offset + in_run * ps, dest); !s.is_ok()) {
                    if (!vmcore::ElfVmcore::is_unreadable_memory(s))
                        return s.with_context("reading pfn " + std::to_string(b.first_pfn + k));
                    if (Status p = read_page_by_page(b, core, r.file_offset + in_run * ps, k, n, dest); !p.is_ok())
                        return p;
                }
                slot += n;
                k += n;
            }
            i = j;
        }
        pos_ += span;
        return true;
    }

private:
    // A stretch failed as unreadable memory: find its pages that read, and mark the others
    // (zeros in the batch, a bit in `bad`, a pfn for the range list). A page failing for another
    // reason (EBADF, ENOMEM, EINVAL: our fault or the system's, not the crashed machine's memory)
    // stops the dump, as it would have for the whole stretch.
    Status read_page_by_page(Batch& b, const vmcore::ElfVmcore& core, uint64_t file_offset, uint32_t first,
                             uint32_t count, std::span<std::byte> dest) {
        const uint64_t ps = pages_.page_size();
        for (uint32_t x = 0; x < count; ++x) {
            std::span<std::byte> page = dest.subspan(static_cast<size_t>(x) * ps, static_cast<size_t>(ps));
            Status s = core.read(file_offset + x * ps, page);
            if (s.is_ok()) continue;
            const uint32_t i = first + x;
            if (!vmcore::ElfVmcore::is_unreadable_memory(s))
                return s.with_context("reading pfn " + std::to_string(b.first_pfn + i));
            std::fill(page.begin(), page.end(), std::byte{0});
            b.bad[i >> 6] |= 1ULL << (i & 63);
            unreadable_.add(b.first_pfn + i, s.to_string());
        }
        return Status::ok();
    }

    const format::PageSet& pages_;
    unsigned batch_pages_;
    uint64_t max_span_;
    filter::PageFilter::Cursor* filter_;
    UnreadableRanges& unreadable_;
    size_t run_ = 0;
    uint64_t pos_ = 0;  // pfns of run_ already cut
};

using common::all_zero;

// A dump missing most of the memory it was meant to keep is no longer a dump of the crash: crash
// and drgn need the kernel's own structures, which sit all over memory. When more than half of the
// kept pages could not be read, the attempt fails (the output stays marked incomplete and the
// chain tries its next target, which may read the memory another way) instead of committing a
// "complete" dump that is mostly holes. Half, not all: a dump with one readable page in a million
// is as useless as one with none.
Status check_unreadable_share(const PipelineStats& stats) {
    const uint64_t kept = stats.pages + stats.unreadable_pages;
    if (stats.unreadable_pages == 0 || stats.unreadable_pages * 2 <= kept) return Status::ok();
    return Status::error(Code::corrupt, "reading the vmcore: " + std::to_string(stats.unreadable_pages) + " of " +
                                            std::to_string(kept) + " kept pages are unreadable memory (in " +
                                            std::to_string(stats.unreadable_ranges) +
                                            " ranges), more than half; the dump is not committed")
        .with_stage(Stage::write);
}

class Pool {
public:
    Pool(const vmcore::ElfVmcore& core, uint64_t page_size, bool compress, bool zero_dropped, size_t slot,
         unsigned batches, unsigned batch_pages)
        : core_(core), page_size_(page_size), compress_(compress), zero_dropped_(zero_dropped), slot_(slot) {
        storage_.resize(batches);
        for (auto& b : storage_) {
            b.raw.resize(static_cast<size_t>(batch_pages) * page_size);
            if (compress) b.packed.resize(static_cast<size_t>(batch_pages) * slot);
            b.pages.resize(batch_pages);
            b.keep.resize(PieceSource::mask_words(batch_pages));
            b.bad.resize(PieceSource::mask_words(batch_pages));
            free_.push_back(&b);
        }
    }

    // Worker body: take batches, compress, publish.
    void work(Codecs& codecs) {
        std::vector<std::byte> scratch(slot_);
        const ThreadCpuShare share;
        ThreadCpuShare::Reading last = share.read();
        // A codec's first page pays for its lazily set up tables (zstd's context, per level): do
        // that here, so the first samples time only the compression.
        if (codecs.size() > 1) {
            std::vector<std::byte> page(page_size_, std::byte{0x5a});
            for (auto& c : codecs) (void)c->compress(page, scratch);
        }
        for (;;) {
            Batch* b = nullptr;
            {
                std::unique_lock lock(mu_);
                cv_work_.wait(lock, [&] { return stop_ || !todo_.empty(); });
                if (todo_.empty()) return;  // stop_ and nothing left
                b = todo_.front();
                todo_.pop_front();
            }
            // The wait for a CPU after being woken for this batch is counted by now.
            const ThreadCpuShare::Reading now = share.read();
            if (now.ok && last.ok) {
                b->cpu_seconds = now.cpu_seconds - last.cpu_seconds;
                b->wanted_seconds = b->cpu_seconds + (now.waited_seconds - last.waited_seconds);
            }
            last = now;
            process(*b, *codecs[b->codec]);
            if (b->sample && b->status.is_ok()) sample(*b, codecs, scratch);
            {
                std::lock_guard lock(mu_);
                done_.push_back(b);
            }
            cv_done_.notify_all();
        }
    }

    // The reader's part, right after it read the batch (the pages are still in its cache): finds
    // the zero pages, and returns whether a worker has anything to do. A dropped zero page is never
    // stored, so compressing it is wasted time (with 40% zero pages, as in real crashes, that is
    // most of a second per GiB); and a batch of nothing else (the long all-zero stretches of a
    // dump) goes straight to the writer, without waking a worker and waiting for it.
    bool mark_zero_pages(Batch& b) const {
        bool work = false;
        for (uint32_t i = 0; i < b.count; ++i) {
            const std::byte* page = b.raw.data() + static_cast<size_t>(i) * page_size_;
            b.pages[i] = PageOut{static_cast<uint32_t>(page_size_), 0, all_zero(std::span<const std::byte>(page, page_size_)), false};
            work = work || (compress_ && !(b.pages[i].zero && zero_dropped_));
        }
        return work;
    }

    void process(Batch& b, compress::Codec& codec) {
        for (uint32_t i = 0; i < b.count; ++i) {
            std::byte* page = b.raw.data() + static_cast<size_t>(i) * page_size_;
            PageOut& out = b.pages[i];  // size and zero set by mark_zero_pages
            if (!compress_ || (out.zero && zero_dropped_)) continue;
            std::span<std::byte> dest(b.packed.data() + static_cast<size_t>(i) * slot_, slot_);
            auto r = codec.compress(std::span<const std::byte>(page, page_size_), dest);
            if (!r.is_ok()) {
                b.status = r.take_status().with_context("compressing page " + std::to_string(i) + " of the batch at pfn " + std::to_string(b.first_pfn));
                return;
            }
            if (r.value() < page_size_) {  // makedumpfile's rule: keep the page raw unless it got smaller
                out.size = static_cast<uint32_t>(r.value());
                out.flags = codec.kdump_flag();
                out.packed = true;
            }
        }
    }

    // Compresses one page of the batch (a non-zero one, chosen by the batch's sequence number so
    // samples move through the batch) with every candidate, timing each.
    void sample(Batch& b, Codecs& codecs, std::vector<std::byte>& scratch) const {
        b.samples.assign(codecs.size(), SampleCost{});
        uint32_t pick = b.count;
        for (uint32_t k = 0; k < b.count && pick == b.count; ++k) {
            const uint32_t i = static_cast<uint32_t>((b.seq / kSampleEvery + k) % b.count);
            if (!b.pages[i].zero) pick = i;
        }
        if (pick == b.count) return;  // only zero pages: they say nothing about the codecs
        const std::span<const std::byte> page(b.raw.data() + static_cast<size_t>(pick) * page_size_, page_size_);
        for (size_t c = 0; c < codecs.size(); ++c) {
            const double start = thread_cpu_seconds();
            auto r = codecs[c]->compress(page, scratch);
            const double cpu = thread_cpu_seconds() - start;
            if (!r.is_ok()) continue;  // the batch's own pages report codec errors
            b.samples[c] = SampleCost{page_size_, std::min<uint64_t>(r.value(), page_size_), cpu};
        }
    }

    Batch* take_free() {
        std::unique_lock lock(mu_);
        cv_done_.wait(lock, [&] { return !free_.empty(); });
        Batch* b = free_.front();
        free_.pop_front();
        return b;
    }
    void submit(Batch* b) {
        if (!mark_zero_pages(*b)) {  // nothing to compress: finished as it is
            std::lock_guard lock(mu_);
            done_.push_back(b);
            ++outstanding_;
            return;
        }
        {
            std::lock_guard lock(mu_);
            todo_.push_back(b);
            ++outstanding_;
        }
        cv_work_.notify_one();
    }
    // The finished batch with sequence number `seq` (blocks until a worker finishes it).
    Batch* wait_done(uint64_t seq) {
        std::unique_lock lock(mu_);
        Batch* found = nullptr;
        cv_done_.wait(lock, [&] {
            auto it = std::find_if(done_.begin(), done_.end(), [&](Batch* b) { return b->seq == seq; });
            if (it == done_.end()) return false;
            found = *it;
            done_.erase(it);
            return true;
        });
        --outstanding_;
        return found;
    }
    void recycle(Batch* b) {
        {
            std::lock_guard lock(mu_);
            b->status = Status::ok();
            free_.push_back(b);
        }
        cv_done_.notify_all();
    }
    unsigned outstanding() {
        std::lock_guard lock(mu_);
        return outstanding_;
    }
    void stop() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        cv_work_.notify_all();
    }
    void drop_pending() {  // after an error: workers skip what was not started
        std::lock_guard lock(mu_);
        outstanding_ -= static_cast<unsigned>(todo_.size());
        for (Batch* b : todo_) free_.push_back(b);
        todo_.clear();
    }

    std::span<const std::byte> data_of(const Batch& b, uint32_t i) const {
        const PageOut& p = b.pages[i];
        const std::byte* base = p.packed ? b.packed.data() + static_cast<size_t>(i) * slot_
                                         : b.raw.data() + static_cast<size_t>(i) * page_size_;
        return {base, p.size};
    }

private:
    const vmcore::ElfVmcore& core_;
    uint64_t page_size_;
    bool compress_;
    bool zero_dropped_;
    size_t slot_;
    std::vector<Batch> storage_;
    std::mutex mu_;
    std::condition_variable cv_work_, cv_done_;
    std::deque<Batch*> free_, todo_;
    std::vector<Batch*> done_;
    unsigned outstanding_ = 0;
    bool stop_ = false;
};

}  // namespace

unsigned online_cpus() {
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
}

Result<PipelineStats> run_page_pipeline(const vmcore::ElfVmcore& core, const format::PageSet& pages,
                                        format::DumpWriter& writer, const PipelineOptions& options) {
    const uint64_t page_size = pages.page_size();
    const unsigned threads = std::max(1u, options.threads);
    const unsigned batch_pages = std::max(1u, options.batch_pages);
    const unsigned batches = options.in_flight ? std::max(2u, options.in_flight) : 2 * threads + 2;

    // The candidates: the auto ladder, or the one configured codec.
    const bool is_auto = options.codec == "auto" && writer.wants_compressed_pages();
    std::vector<compress::AutoCandidate> candidates;
    if (is_auto) {
        candidates = compress::auto_ladder(options.auto_readers);
        if (candidates.empty())
            return Status::error(Code::invalid_config, "compress = auto: unknown readers '" + options.auto_readers + "'");
    } else {
        candidates.push_back({options.codec == "auto" ? "none" : options.codec, options.level.value_or(0), options.codec});
    }

    // One set of codecs per worker: codecs keep per-thread state and are not shared.
    const compress::CodecRegistry& registry = compress::builtin_codecs();
    std::vector<Codecs> codecs(threads);
    for (Codecs& mine : codecs) {
        for (const compress::AutoCandidate& c : candidates) {
            auto made = registry.create(c.codec, is_auto ? std::optional<int>(c.level) : options.level);
            if (!made.is_ok()) return made.take_status();
            mine.push_back(std::move(made).value());
        }
    }
    const bool compress = writer.wants_compressed_pages() && codecs.front().front()->kdump_flag() != 0;
    size_t slot = 0;
    for (const auto& c : codecs.front()) slot = std::max(slot, compress ? c->max_compressed_size(page_size) : 0);

    std::optional<compress::CodecChooser> chooser;
    if (is_auto) {
        compress::ChooserOptions copts;
        copts.threads = threads;
        chooser.emplace(candidates, copts);
    }
    using SteadyClock = std::chrono::steady_clock;
    const auto started = SteadyClock::now();
    auto seconds_since_start = [&] { return std::chrono::duration<double>(SteadyClock::now() - started).count(); };
    double last_note = 0;

    Pool pool(core, page_size, compress, options.zero_pages_dropped, slot, batches, batch_pages);
    std::vector<std::jthread> workers;
    for (unsigned i = 0; i < threads; ++i) workers.emplace_back([&pool, &mine = codecs[i]] { pool.work(mine); });

    PipelineStats stats;
    if (is_auto)
        for (const compress::AutoCandidate& c : candidates) stats.codec_pages.push_back({c.label, 0});
    Status failure;
    UnreadableRanges unreadable(page_size, options.unreadable_range);
    PieceSource source(pages, batch_pages, options.filter, unreadable);
    uint64_t next_write = 0, submitted = 0;

    auto write_next = [&]() -> Status {
        Batch* b = pool.wait_done(next_write++);
        Status s = b->status;
        uint32_t k = 0;
        uint64_t handed = 0;  // bytes of page data given to the writer
        const auto writing = SteadyClock::now();
        for (uint32_t i = 0; s.is_ok() && i < b->span; ++i) {
            const uint64_t pfn = b->first_pfn + i;
            if (!b->kept(i)) {
                format::PageRecord rec;
                rec.pfn = pfn;
                rec.excluded = true;
                s = writer.add_page(rec);
                stats.excluded_pages++;
                continue;
            }
            const PageOut& p = b->pages[k];
            if (b->unreadable(i)) {
                // Its raw slot holds zeros; the writer leaves the page out (dump_writer.h).
                format::PageRecord rec{pfn, std::span<const std::byte>(b->raw.data() + static_cast<size_t>(k) * page_size,
                                                                       static_cast<size_t>(page_size)),
                                       0, true};
                rec.unreadable = true;
                ++k;
                s = writer.add_page(rec);
                stats.unreadable_pages++;
                continue;
            }
            format::PageRecord rec{pfn, pool.data_of(*b, k), p.flags, p.zero};
            ++k;
            s = writer.add_page(rec);
            stats.pages++;
            stats.zero_pages += p.zero;
            stats.stored_raw += compress && !p.packed;
            stats.output_page_bytes += p.size;
            if (!(p.zero && options.zero_pages_dropped)) handed += p.size;  // a dropped zero page stores nothing
            if (is_auto && p.packed) stats.codec_pages[b->codec].pages++;
        }
        if (chooser && s.is_ok()) {
            // The time the writer held the main thread is the time the sink took the bytes.
            const double blocked = std::chrono::duration<double>(SteadyClock::now() - writing).count();
            if (b->wanted_seconds > 0) chooser->observe_worker(b->cpu_seconds, b->wanted_seconds);
            for (size_t c = 0; c < b->samples.size(); ++c)
                if (b->samples[c].in) chooser->observe_codec(c, b->samples[c].in, b->samples[c].out, b->samples[c].cpu_seconds);
            const double now = seconds_since_start();
            chooser->observe_sink(handed, blocked, now);
            if (options.auto_note && now - last_note >= 1.0) {
                last_note = now;
                options.auto_note(chooser->explain());
            }
        }
        stats.input_bytes += static_cast<uint64_t>(b->span) * page_size;
        pool.recycle(b);
        if (s.is_ok() && options.progress) options.progress(stats.input_bytes);
        return s;
    };

    for (uint64_t seq = 0; failure.is_ok(); ++seq) {
        // Keep the pipe full but bounded: write the oldest batch when all buffers are out.
        while (failure.is_ok() && pool.outstanding() >= batches) failure = write_next();
        if (!failure.is_ok()) break;
        Batch* b = pool.take_free();
        b->seq = seq;
        b->codec = chooser ? static_cast<uint32_t>(chooser->choose(seconds_since_start())) : 0;
        b->sample = chooser && seq % kSampleEvery == 0;
        b->samples.clear();
        b->cpu_seconds = b->wanted_seconds = 0;
        auto more = source.next(*b, core);
        if (!more.is_ok() || !more.value()) {
            pool.recycle(b);
            if (!more.is_ok()) failure = more.take_status();
            break;
        }
        pool.submit(b);
        ++submitted;
    }
    while (failure.is_ok() && next_write < submitted) failure = write_next();

    if (!failure.is_ok()) pool.drop_pending();
    pool.stop();
    workers.clear();  // join
    if (!failure.is_ok()) return failure;
    if (chooser) {
        stats.codec_switches = chooser->switches();
        if (options.auto_note) options.auto_note(chooser->explain());
    }
    unreadable.finish();
    stats.unreadable_note = unreadable.empty() ? std::string() : unreadable.note_text();
    stats.unreadable_ranges = unreadable.ranges();
    if (Status s = check_unreadable_share(stats); !s.is_ok()) return s;
    return stats;
}

}  // namespace kdf::pipeline
