// kdf/background_sync.h - write a dump file back to disk while it is still being written.
//
// Why: without it, every byte of the dump sits dirty in the page cache until the commit's fsync,
// which then does all the writeback at once, after the last page is compressed, with the
// compressor idle. A helper thread that runs fdatasync every `step` bytes overlaps the writeback
// with the compression, so the commit's fsync finds little left. It also keeps the dirty data near
// a step or two while the disk keeps up (a crash kernel has 100-200 MiB; when the disk is slower,
// the kernel's dirty throttling applies as it would anyway). sync_file_range(SYNC_FILE_RANGE_WRITE)
// would need no thread, but on ext4 it left the final fsync just as slow. bench/README.md has the
// measurements.
//
// Errors: the first fdatasync error is kept and returned by finish(). It must be, because the
// kernel reports a writeback error once per open file: the commit's own fsync would then return 0.
// The caller still calls fsync after finish(): this helper never makes a dump durable by itself.
// The fd must stay open until finish() or destruction. If no thread can be started the helper
// does nothing, and the commit's fsync does all the work, as without it.
// Thread safety: wrote() and finish() from the one writer thread.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "kdf/status.h"

namespace kdf {

class BackgroundSync {
public:
    static constexpr uint64_t kDefaultStep = 16ull << 20;

    BackgroundSync() = default;  // inactive: wrote() and finish() do nothing
    explicit BackgroundSync(int fd, uint64_t step = kDefaultStep) : step_(step) {
        auto shared = std::make_unique<Shared>();
        shared->fd = fd;
        try {
            thread_ = std::jthread([s = shared.get()](std::stop_token stop) { s->run(stop); });
        } catch (const std::system_error&) {
            return;  // no thread: the commit's fsync does the writeback
        }
        shared_ = std::move(shared);
    }
    BackgroundSync(BackgroundSync&&) noexcept = default;
    BackgroundSync& operator=(BackgroundSync&& other) noexcept {
        if (this != &other) {
            (void)finish();
            thread_ = std::move(other.thread_);
            shared_ = std::move(other.shared_);
            step_ = other.step_;
            pending_ = other.pending_;
        }
        return *this;
    }
    BackgroundSync(const BackgroundSync&) = delete;
    BackgroundSync& operator=(const BackgroundSync&) = delete;
    ~BackgroundSync() { (void)finish(); }

    // `bytes` more were written; every `step` of them asks the helper for one more fdatasync.
    void wrote(uint64_t bytes) noexcept {
        if (!shared_) return;
        pending_ += bytes;
        if (pending_ < step_) return;
        pending_ = 0;
        {
            std::lock_guard lock(shared_->mu);
            ++shared_->requested;
        }
        shared_->cv.notify_one();
    }

    // Stops the helper (after the fdatasync it is running, if any) and returns the first error
    // one of its fdatasync calls reported. The caller's fsync comes next.
    Status finish() noexcept {
        if (!shared_) return Status::ok();
        thread_.request_stop();
        shared_->cv.notify_one();
        thread_.join();
        const int err = shared_->first_error;
        shared_.reset();
        if (err != 0) return Status::from_errno(err, "writeback (background fdatasync) failed");
        return Status::ok();
    }

private:
    struct Shared {
        int fd = -1;
        std::mutex mu;
        std::condition_variable_any cv;
        uint64_t requested = 0;  // fdatasync calls asked for so far
        int first_error = 0;     // written by the helper only, read after join

        void run(std::stop_token stop) {
            uint64_t done = 0;
            for (;;) {
                {
                    std::unique_lock lock(mu);
                    if (!cv.wait(lock, stop, [&] { return requested > done; })) return;  // stop asked
                    done = requested;  // one fdatasync covers every request made so far
                }
                // EINVAL: this file cannot be synced at all; the commit's fsync is the one to say so.
                if (::fdatasync(fd) != 0 && errno != EINTR && errno != EINVAL && first_error == 0) first_error = errno;
            }
        }
    };

    std::jthread thread_;
    std::unique_ptr<Shared> shared_;  // null: inactive
    uint64_t step_ = kDefaultStep;
    uint64_t pending_ = 0;  // bytes written since the last request
};

}  // namespace kdf
