// iscsi_session.h - one logged-in libiscsi session to one portal, driven by our own poll loop.
//
// libiscsi's async API does the protocol; this class owns the context (RAII), logs in with the
// configured identity, CHAP and digest, and runs the event loop until a condition holds, so every
// wait honours the caller's deadline (a SIGSTOPped target must not hang the crash kernel: the wait
// ends with Code::timeout when the deadline passes). libiscsi's automatic reconnect is off: it
// would retry the same portal forever, and the portal order and the one-reconnect budget are the
// volume's decisions (iscsi_volume.h). A lost connection makes the session broken(): every later
// wait fails at once with the same error.
//
// Tasks that are abandoned (their wait timed out) stay owned by the session; destroying the
// context cancels them, and only then is their bookkeeping freed. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "chap_secret.h"
#include "iscsi_options.h"
#include "kdf/call_options.h"
#include "kdf/status.h"

struct iscsi_context;
struct scsi_task;

namespace kdf::iscsi {

// Secrets read once per open, handed to every login (the first and a reconnect).
struct Credentials {
    Secret chap;
    Secret mutual;
};

// Reads the secret files the options name (none when CHAP is off).
Result<Credentials> load_credentials(const IscsiOptions& o);

struct Capacity {
    uint64_t blocks = 0;
    uint32_t block_size = 0;
};

class IscsiSession {
public:
    // Logs in to `portal` for o.target / o.lun (a normal session) within opts.deadline. Errors are
    // staged: connect (TCP, target not found), auth (CHAP refused either way).
    static Result<std::unique_ptr<IscsiSession>> login(const IscsiOptions& o, const std::string& portal,
                                                       const Credentials& creds, const CallOptions& opts);
    // SendTargets discovery on `portal`: the IQNs it offers.
    static Result<std::vector<std::string>> discover(const IscsiOptions& o, const std::string& portal,
                                                     const Credentials& creds, const CallOptions& opts);

    ~IscsiSession();
    IscsiSession(const IscsiSession&) = delete;
    IscsiSession& operator=(const IscsiSession&) = delete;

    iscsi_context* context() noexcept { return ctx_; }
    const std::string& portal() const noexcept { return portal_; }
    int lun() const noexcept { return lun_; }
    bool broken() const noexcept { return !broken_error_.is_ok(); }

    // Services the connection until done() is true. Code::timeout at the deadline (the session
    // stays usable); a lost connection returns its error and marks the session broken.
    Status run_until(const std::function<bool()>& done, const CallOptions& opts, const std::string& waiting_for);

    Result<Capacity> read_capacity(const CallOptions& opts);
    // READ(16) of whole blocks at `lba` into `out` (out.size() a multiple of block_size).
    Status read_blocks(uint64_t lba, uint32_t block_size, std::span<std::byte> out, const CallOptions& opts);
    // SYNCHRONIZE CACHE(16) of the whole LUN.
    Status synchronize_cache(const CallOptions& opts);
    // Sends what libiscsi has queued and takes in what arrived, without waiting.
    Status pump();
    // A clean LOGOUT within opts.deadline; best effort (the target drops the session anyway).
    void logout(const CallOptions& opts) noexcept;

    // "iscsi: PORTAL: " prefix for messages.
    std::string where() const { return "iscsi: " + portal_ + ": "; }
    // libiscsi's last error text (never holds a secret: libiscsi does not print them), after the
    // socket's own error when the connection failed with one.
    std::string last_error() const;
    // A SCSI task's failure as one line: status, sense key and ASC/ASCQ.
    static std::string task_failure(const scsi_task* task, int status);

private:
    struct Completion {
        bool done = false;
        int status = 0;
        scsi_task* task = nullptr;
    };
    static void on_complete(iscsi_context*, int status, void* command_data, void* private_data);
    static void on_complete_login(iscsi_context*, int status, void* command_data, void* private_data);

    IscsiSession(iscsi_context* ctx, std::string portal, int lun);
    Completion* new_completion();
    void release(Completion* c);
    // Waits for `c`; on success the task is the caller's to read and then release().
    Status wait(Completion* c, const CallOptions& opts, const std::string& what);

    std::list<std::unique_ptr<Completion>> completions_;  // outlive ctx_: destroying it cancels them
    iscsi_context* ctx_;
    std::string portal_;
    int lun_;
    Status broken_error_;
    // The socket's pending error (SO_ERROR) when libiscsi gave up on the connection: libiscsi's
    // own text then only says it "can not reconnect right now", not that the port refused or the
    // peer reset the connection.
    int socket_errno_ = 0;
    bool login_done_ = false;
    int login_status_ = 0;
};

}  // namespace kdf::iscsi
