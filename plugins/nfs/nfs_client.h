// nfs_client.h - one mounted libnfs context, driven by our own poll loop so every call honours a
// deadline.
//
// Every operation is libnfs's async form plus wait(): poll() on the context's socket in slices
// of at most 100 ms, nfs_service() after each (also with no events, so libnfs's own RPC timeouts
// are scanned), until the operation's callback has run or CallOptions::deadline passes. Before
// each call the remaining time is also set as libnfs's RPC timeout (nfs_set_timeout), so a PDU
// the server never answers is failed by libnfs too. A server that is SIGSTOPped still has its
// kernel ACK our bytes: only such timeouts notice it.
//
// After a timeout or a lost connection the client is *broken*: libnfs still holds the unanswered
// calls, so every later call fails at once with the same Status; only destruction (which cancels
// them, running their callbacks) is left. Auto-reconnect is off: a server that restarted may have
// dropped UNSTABLE writes, so a broken connection fails the attempt and the chain moves on.
//
// Threads: one at a time (libnfs contexts are not thread-safe). Callback targets handed to
// start_pwrite() must outlive the client (they are called from its destructor when cancelled).
#pragma once

#include <sys/time.h>  // libnfs.h 4.0.0 uses struct timeval without including it

#include <nfsc/libnfs.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "nfs_options.h"

namespace kdf::nfs {

class NfsClient {
public:
    // Connects and mounts options.server:options.export_path as options.uid/gid, within opts.deadline.
    static Result<std::unique_ptr<NfsClient>> mount(const NfsOptions& options, const CallOptions& opts);
    ~NfsClient();
    NfsClient(const NfsClient&) = delete;
    NfsClient& operator=(const NfsClient&) = delete;

    // Paths are relative to the mounted export ("/dumps/x"); errors name them.
    Result<nfs_stat_64> stat(const std::string& path, const CallOptions& opts);
    Result<nfs_statvfs_64> statvfs(const std::string& path, const CallOptions& opts);
    Status mkdir(const std::string& path, int mode, const CallOptions& opts);
    // open(O_WRONLY|O_CREAT|O_EXCL, mode): never truncates or reuses an existing file.
    Result<struct nfsfh*> create_new(const std::string& path, int mode, const CallOptions& opts);
    Status unlink(const std::string& path, const CallOptions& opts);
    Status rmdir(const std::string& path, const CallOptions& opts);
    // The entries of directory `path` but "." and "..": name and NF3 type (NF3REG, NF3DIR, NF3LNK...).
    struct DirEntry {
        std::string name;
        uint32_t type = 0;
    };
    Result<std::vector<DirEntry>> list_dir(const std::string& path, const CallOptions& opts);
    Status rename(const std::string& from, const std::string& to, const CallOptions& opts);
    // COMMIT (v3) / the v4 equivalent: the file's data is on the server's stable storage.
    Status fsync(struct nfsfh* fh, const std::string& path, const CallOptions& opts);
    // Releases the handle (libnfs COMMITs first if unflushed writes remain). `fh` is gone afterwards.
    Status close(struct nfsfh* fh, const std::string& path, const CallOptions& opts);

    // Queues one WRITE (libnfs copies `data`); `cb(status, ..., private_data)` runs from a later
    // wait() or from the destructor (cancelled). Does not block.
    Status start_pwrite(struct nfsfh* fh, uint64_t offset, std::span<const std::byte> data, nfs_cb cb,
                        void* private_data, const CallOptions& opts);
    // Services the connection until done() is true or the deadline passes (-> broken, timeout).
    Status wait(const std::function<bool()>& done, const CallOptions& opts, std::string_view what);
    // Sends what can be sent and handles replies that have arrived, without blocking.
    Status pump();

    // Largest WRITE this mount takes: the server's wtmax, our write_size, and libnfs 4.0.0's
    // NFSv4 encoding limit.
    uint64_t max_write() const noexcept { return max_write_; }
    const NfsOptions& options() const noexcept { return options_; }
    // ok while usable; after a timeout or a lost connection, the Status that broke it.
    const Status& health() const noexcept { return broken_; }
    // Records an error raised by an operation's callback (a WRITE timed out in libnfs) as breaking.
    void mark_broken(Status s);
    // Keeps callback state alive until the context is destroyed: for an owner that goes away while
    // libnfs still holds calls pointing at it (a WriteWindow whose WRITEs timed out).
    void keep_until_destroyed(std::shared_ptr<void> state) { kept_.push_back(std::move(state)); }

private:
    struct Key {
        explicit Key() = default;
    };

public:
    // Only mount() can name a Key: a client always starts mounted.
    NfsClient(Key, struct nfs_context* ctx, NfsOptions options);

private:
    // What an operation's callback data is: nothing, nfs_stat_64, nfs_statvfs_64, a file handle or
    // a directory listing.
    enum class OpKind { plain, stat, statvfs, open, opendir };
    struct Completion;

    // Runs one async operation started by `start` to completion.
    Status run(Completion& c, const std::function<int(void*)>& start, const CallOptions& opts, std::string_view what);
    // run() on a fresh Completion that lives as long as the context (libnfs may call it back late).
    template <class Start>
    Result<Completion*> call(OpKind kind, std::string_view what, const CallOptions& opts, Start start);
    static void on_complete(int status, struct nfs_context* nfs, void* data, void* private_data);
    void arm_timeout(const CallOptions& opts);

    struct nfs_context* ctx_;
    NfsOptions options_;
    uint64_t max_write_ = 0;
    Status broken_;
    // Operations that timed out: libnfs still points at them and calls them back (cancelled) when
    // the context is destroyed, so they live as long as the context.
    std::vector<std::unique_ptr<Completion>> orphans_;
    std::vector<std::shared_ptr<void>> kept_;
};

}  // namespace kdf::nfs
