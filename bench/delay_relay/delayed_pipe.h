// One direction of a relayed TCP connection, delayed like a long link.
//
// A link with a one-way delay D still carries data at its full rate: bytes sent at time t arrive
// at t + D, and the sender keeps sending meanwhile. So the reading side never waits for the
// delay; it stamps each chunk with its due time and queues it, and the writing side hands each
// chunk on when it is due. The queue is bounded (a link holds rate x D bytes, plus the sender's
// buffers); when it is full the reader stops reading, which is TCP's back-pressure, as a real
// link's full window would be.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace kdf::bench {

class DelayedPipe {
 public:
  using Clock = std::chrono::steady_clock;

  DelayedPipe(int from_fd, int to_fd, Clock::duration one_way_delay, std::size_t max_queued_bytes);

  // Reads from `from_fd` until EOF or error, queueing every chunk. Run on its own thread.
  void read_side();
  // Writes queued chunks to `to_fd` when due; after the last one, half-closes `to_fd` so the far
  // end sees the EOF the near end sent. Run on its own thread.
  void write_side();

 private:
  struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes;  // empty: end of stream
  };

  bool push(Chunk chunk);
  void break_pipe();

  int from_fd_;
  int to_fd_;
  Clock::duration delay_;
  std::size_t max_queued_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_;
  std::size_t queued_bytes_ = 0;
  bool broken_ = false;  // the writing side failed: the reader stops and drops what it has
};

}  // namespace kdf::bench
