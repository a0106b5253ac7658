#include "core/pipeline/page_pipeline.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/compress/codec_registry.h"

namespace kdf::pipeline {

namespace {

struct PageOut {
    uint32_t size = 0;
    uint32_t flags = 0;
    bool zero = false;
    bool packed = false;  // data is in Batch::packed at i * slot, else in Batch::raw
};

struct Batch {
    uint64_t seq = 0;
    uint64_t first_pfn = 0;
    uint32_t count = 0;
    std::vector<std::byte> raw;
    std::vector<std::byte> packed;
    std::vector<PageOut> pages;
    Status status;
};

// A piece of a PageSet run that one batch covers.
struct Piece {
    uint64_t first_pfn;
    uint32_t count;
    uint64_t file_offset;
    uint32_t file_pages;  // leading pages backed by the file; the rest are zero
};

bool all_zero(const std::byte* p, size_t n) {
    // Word-at-a-time: zero pages are common and this runs once per page.
    const auto* w = reinterpret_cast<const uint64_t*>(p);
    for (size_t i = 0; i < n / 8; ++i)
        if (w[i] != 0) return false;
    return true;
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
            free_.push_back(&b);
        }
    }

    // Worker body: take batches, compress, publish.
    void work(compress::Codec& codec) {
        for (;;) {
            Batch* b = nullptr;
            {
                std::unique_lock lock(mu_);
                cv_work_.wait(lock, [&] { return stop_ || !todo_.empty(); });
                if (todo_.empty()) return;  // stop_ and nothing left
                b = todo_.front();
                todo_.pop_front();
            }
            process(*b, codec);
            {
                std::lock_guard lock(mu_);
                done_.push_back(b);
            }
            cv_done_.notify_all();
        }
    }

    void process(Batch& b, compress::Codec& codec) {
        for (uint32_t i = 0; i < b.count; ++i) {
            std::byte* page = b.raw.data() + static_cast<size_t>(i) * page_size_;
            PageOut& out = b.pages[i];
            out = PageOut{static_cast<uint32_t>(page_size_), 0, all_zero(page, page_size_), false};
            // A dropped zero page is never stored, so compressing it is wasted time (with 40% zero
            // pages, as in real crashes, that is most of a second per GiB).
            if (!compress_ || (out.zero && zero_dropped_)) continue;
            std::span<std::byte> dest(b.packed.data() + static_cast<size_t>(i) * slot_, slot_);
            auto r = codec.compress(std::span<const std::byte>(page, page_size_), dest);
            if (!r.is_ok()) {
                b.status = r.take_status().with_context("compressing pfn " + std::to_string(b.first_pfn + i));
                return;
            }
            if (r.value() < page_size_) {  // makedumpfile's rule: keep the page raw unless it got smaller
                out.size = static_cast<uint32_t>(r.value());
                out.flags = codec.kdump_flag();
                out.packed = true;
            }
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

    Status read(Batch& b, const Piece& piece) const {
        size_t backed = static_cast<size_t>(piece.file_pages) * page_size_;
        if (backed) {
            if (Status s = core_.read(piece.file_offset, std::span<std::byte>(b.raw.data(), backed)); !s.is_ok())
                return s.with_context("reading pfn " + std::to_string(piece.first_pfn));
        }
        std::memset(b.raw.data() + backed, 0, static_cast<size_t>(piece.count) * page_size_ - backed);
        return Status::ok();
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

std::vector<Piece> plan_pieces(const format::PageSet& pages, unsigned batch_pages) {
    std::vector<Piece> pieces;
    for (const auto& run : pages.runs()) {
        for (uint64_t done = 0; done < run.count;) {
            uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(batch_pages, run.count - done));
            uint64_t backed = run.file_pages > done ? std::min<uint64_t>(n, run.file_pages - done) : 0;
            pieces.push_back({run.first_pfn + done, n, run.file_offset + done * pages.page_size(),
                              static_cast<uint32_t>(backed)});
            done += n;
        }
    }
    return pieces;
}

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

    // One codec per worker: codecs keep per-thread state and are not shared.
    compress::CodecRegistry registry;
    std::vector<std::unique_ptr<compress::Codec>> codecs;
    for (unsigned i = 0; i < threads; ++i) {
        auto c = registry.create(options.codec, options.level);
        if (!c.is_ok()) return c.take_status();
        codecs.push_back(std::move(c).value());
    }
    const bool compress = writer.wants_compressed_pages() && codecs.front()->kdump_flag() != 0;
    const size_t slot = compress ? codecs.front()->max_compressed_size(page_size) : 0;

    Pool pool(core, page_size, compress, options.zero_pages_dropped, slot, batches, batch_pages);
    std::vector<std::jthread> workers;
    for (unsigned i = 0; i < threads; ++i) workers.emplace_back([&pool, &codec = *codecs[i]] { pool.work(codec); });

    PipelineStats stats;
    Status failure;
    const std::vector<Piece> pieces = plan_pieces(pages, batch_pages);
    uint64_t next_write = 0;

    auto write_next = [&]() -> Status {
        Batch* b = pool.wait_done(next_write++);
        Status s = b->status;
        for (uint32_t i = 0; s.is_ok() && i < b->count; ++i) {
            const PageOut& p = b->pages[i];
            format::PageRecord rec{b->first_pfn + i, pool.data_of(*b, i), p.flags, p.zero};
            s = writer.add_page(rec);
            stats.pages++;
            stats.zero_pages += p.zero;
            stats.stored_raw += compress && !p.packed;
            stats.output_page_bytes += p.size;
        }
        stats.input_bytes += static_cast<uint64_t>(b->count) * page_size;
        pool.recycle(b);
        if (s.is_ok() && options.progress) options.progress(stats.input_bytes);
        return s;
    };

    for (uint64_t seq = 0; seq < pieces.size() && failure.is_ok(); ++seq) {
        // Keep the pipe full but bounded: write the oldest batch when all buffers are out.
        while (failure.is_ok() && pool.outstanding() >= batches) failure = write_next();
        if (!failure.is_ok()) break;
        Batch* b = pool.take_free();
        b->seq = seq;
        b->first_pfn = pieces[seq].first_pfn;
        b->count = pieces[seq].count;
        if (Status s = pool.read(*b, pieces[seq]); !s.is_ok()) {
            pool.recycle(b);
            failure = s;
            break;
        }
        pool.submit(b);
    }
    while (failure.is_ok() && next_write < pieces.size()) failure = write_next();

    if (!failure.is_ok()) pool.drop_pending();
    pool.stop();
    workers.clear();  // join
    if (!failure.is_ok()) return failure;
    return stats;
}

}  // namespace kdf::pipeline
