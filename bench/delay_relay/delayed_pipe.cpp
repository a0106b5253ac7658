#include "delayed_pipe.h"

#include <sys/socket.h>

#include <cerrno>
#include <thread>
#include <utility>

namespace kdf::bench {

namespace {
// Large enough that a 10 Gbit/s link is not bound by per-chunk wakeups, small enough that a
// chunk's due time is close to the time its first byte arrived.
constexpr std::size_t kChunkBytes = 256 * 1024;
}  // namespace

DelayedPipe::DelayedPipe(int from_fd, int to_fd, Clock::duration one_way_delay, std::size_t max_queued_bytes)
    : from_fd_(from_fd), to_fd_(to_fd), delay_(one_way_delay), max_queued_(max_queued_bytes) {}

bool DelayedPipe::push(Chunk chunk) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return broken_ || queued_bytes_ < max_queued_; });
  if (broken_) return false;
  queued_bytes_ += chunk.bytes.size();
  queue_.push_back(std::move(chunk));
  changed_.notify_all();
  return true;
}

void DelayedPipe::break_pipe() {
  {
    std::lock_guard lock(mutex_);
    broken_ = true;
    queue_.clear();
    queued_bytes_ = 0;
  }
  changed_.notify_all();
  // Wakes a reader blocked in recv(): nothing it reads could be delivered any more.
  ::shutdown(from_fd_, SHUT_RD);
}

void DelayedPipe::read_side() {
  for (;;) {
    std::vector<char> buffer(kChunkBytes);
    ssize_t n = ::recv(from_fd_, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    auto due = Clock::now() + delay_;
    if (n <= 0) {
      push(Chunk{due, {}});
      return;
    }
    buffer.resize(static_cast<std::size_t>(n));
    // A short read keeps only what it holds: the queue's bound counts bytes, and many small
    // chunks (ssh's acknowledgements, NFS replies) must not each pin a whole read buffer.
    if (buffer.size() < kChunkBytes / 4) buffer.shrink_to_fit();
    if (!push(Chunk{due, std::move(buffer)})) return;
  }
}

void DelayedPipe::write_side() {
  for (;;) {
    Chunk chunk;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return broken_ || !queue_.empty(); });
      if (broken_) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= chunk.bytes.size();
      changed_.notify_all();
    }
    std::this_thread::sleep_until(chunk.due);
    if (chunk.bytes.empty()) {
      ::shutdown(to_fd_, SHUT_WR);
      return;
    }
    std::size_t done = 0;
    while (done < chunk.bytes.size()) {
      ssize_t n = ::send(to_fd_, chunk.bytes.data() + done, chunk.bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        break_pipe();
        return;
      }
      done += static_cast<std::size_t>(n);
    }
  }
}

}  // namespace kdf::bench
