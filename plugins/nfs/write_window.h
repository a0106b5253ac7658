// write_window.h - positional WRITEs kept in flight on one NFS file (the pipelining that keeps a
// dump from being latency-bound).
//
// write() splits the caller's bytes into pieces of at most client.max_write(), copies each into a
// slot of its own and queues it as one async WRITE, so the caller's buffer is free when write()
// returns. The copy is needed: libnfs encodes a WRITE's bytes when it sends it, but when the server
// writes fewer bytes than asked (a filling disk does) libnfs sends the rest itself, later, from the
// buffer it was given; a caller's buffer reused by then sends other bytes, or faults. It only blocks while `depth` pieces are already in flight, or while a piece in flight overlaps
// the new one (the server may apply WRITEs in any order), until one is answered or the call's
// deadline passes. A failed piece is reported by the next write()/drain() call: positional writes
// can be answered in any order, so the error names the piece's offset. drain() waits for all.
//
// Lifetime: libnfs holds pointers to the slots until each WRITE is answered or cancelled (the
// cancel happens in NfsClient's destructor); the destructor hands unanswered slots to the client.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "nfs_client.h"

namespace kdf::nfs {

class WriteWindow {
public:
    WriteWindow(NfsClient& client, struct nfsfh* fh, uint32_t depth, std::string location);
    // Slots still in flight (their WRITEs timed out) are handed to the client, which keeps them
    // until its context is destroyed; their late callbacks then find no owner and do nothing.
    ~WriteWindow();
    WriteWindow(const WriteWindow&) = delete;
    WriteWindow& operator=(const WriteWindow&) = delete;

    Status write(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts);
    // Waits until every queued WRITE is answered; the first failure, if any.
    Status drain(const CallOptions& opts);

    uint64_t acknowledged() const noexcept { return acknowledged_; }
    uint32_t in_flight() const noexcept { return in_flight_; }

private:
    struct Slot {
        WriteWindow* owner = nullptr;
        uint64_t offset = 0;
        uint64_t size = 0;
        bool busy = false;
        std::vector<std::byte> bytes;  // this WRITE's bytes, alive until libnfs answers it
    };
    static void on_written(int status, struct nfs_context* nfs, void* data, void* private_data);
    void finished(Slot& slot, int status, struct nfs_context* nfs);
    Slot* free_slot(const CallOptions& opts, Status& why);
    bool overlaps_in_flight(uint64_t offset, uint64_t size) const;

    NfsClient& client_;
    struct nfsfh* fh_;
    std::string location_;
    std::vector<std::shared_ptr<Slot>> slots_;  // stable addresses: libnfs keeps them as private data
    uint32_t in_flight_ = 0;
    uint64_t acknowledged_ = 0;
    Status failed_;                              // the first piece that failed
    const CallOptions* progress_opts_ = nullptr; // the current call's, for heartbeats from callbacks
};

}  // namespace kdf::nfs
