// iscsi_session.cpp - login, event loop and single commands over libiscsi (see iscsi_session.h).
#include "iscsi_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

namespace kdf::iscsi {

namespace {

// The SPC sense keys by number: libiscsi's own table leaves several out (MEDIUM ERROR among them,
// which is what a target whose backing store failed a write answers).
constexpr int kMediumError = 0x3;
std::string sense_key_name(int key) {
    static constexpr const char* names[] = {"NO SENSE",        "RECOVERED ERROR", "NOT READY",      "MEDIUM ERROR",
                                            "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT",
                                            "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",   "ABORTED COMMAND",
                                            "sense key 0xc",   "VOLUME OVERFLOW", "MISCOMPARE",     "COMPLETED"};
    if (key >= 0 && key < 16) return names[key];
    return "sense key " + std::to_string(key);
}

// How long one poll() waits at most, so libiscsi's own bookkeeping runs and the deadline is seen.
constexpr int poll_slice_ms = 100;

struct ContextDeleter {
    void operator()(iscsi_context* c) const noexcept {
        if (c) iscsi_destroy_context(c);
    }
};
using ContextPtr = std::unique_ptr<iscsi_context, ContextDeleter>;

// Login failures carry the iSCSI login status in libiscsi's text: 0x0201 authentication failed,
// 0x0202 not authorized, 0x0203 target not found (libiscsi prints them in decimal).
Status login_error(const std::string& portal, const std::string& text, const IscsiOptions& o) {
    const std::string prefix = "iscsi: login to " + portal + " (target " + o.target + ", initiator " + o.initiator + ")";
    if (text.find("(513)") != std::string::npos || text.find("uthentication") != std::string::npos ||
        text.find("CHAP") != std::string::npos)
        return Status::error(Code::auth, prefix + " refused: CHAP authentication failed (wrong user or secret, or "
                                                  "the target requires CHAP and none is configured): " + text)
            .with_stage(Stage::auth);
    if (text.find("(514)") != std::string::npos)
        return Status::error(Code::auth, prefix + " refused: this initiator is not authorized (check the "
                                                  "target's initiator ACL): " + text)
            .with_stage(Stage::auth);
    if (text.find("(515)") != std::string::npos)
        return Status::error(Code::not_found, prefix + ": the portal does not offer this target, or its ACL "
                                                       "hides it from this initiator: " + text)
            .with_stage(Stage::connect);
    if (text.find("LOGICAL_UNIT_NOT_SUPPORTED") != std::string::npos)
        return Status::error(Code::not_found, prefix + ": the target has no LUN " + std::to_string(o.lun) + ": " + text)
            .with_stage(Stage::connect);
    if (text.find("Connection refused") != std::string::npos)
        return Status::from_errno(ECONNREFUSED, prefix + " failed: " + text).with_stage(Stage::connect);
    return Status::error(Code::system, prefix + " failed: " + text).with_stage(Stage::connect);
}

Result<ContextPtr> make_context(const IscsiOptions& o, const Credentials& creds, bool discovery) {
    ContextPtr ctx(iscsi_create_context(o.initiator.c_str()));
    if (!ctx) return Status::error(Code::system, "iscsi: cannot create a libiscsi context (out of memory?)");
    iscsi_context* c = ctx.get();
    bool ok = iscsi_set_session_type(c, discovery ? ISCSI_SESSION_DISCOVERY : ISCSI_SESSION_NORMAL) == 0 &&
              iscsi_set_header_digest(c, o.header_digest ? ISCSI_HEADER_DIGEST_CRC32C : ISCSI_HEADER_DIGEST_NONE) == 0;
    iscsi_set_noautoreconnect(c, 1);
    if (ok && !discovery) ok = iscsi_set_targetname(c, o.target.c_str()) == 0;
    if (ok && !o.chap_user.empty())
        ok = iscsi_set_initiator_username_pwd(c, o.chap_user.c_str(), creds.chap.c_str()) == 0;
    if (ok && !o.mutual_chap_user.empty())
        ok = iscsi_set_target_username_pwd(c, o.mutual_chap_user.c_str(), creds.mutual.c_str()) == 0;
    if (!ok)
        return Status::error(Code::invalid_config,
                             std::string("iscsi: libiscsi refused the session settings: ") + iscsi_get_error(c));
    return ctx;
}

void set_flag(iscsi_context*, int status, void*, void* private_data) {
    auto* p = static_cast<std::pair<bool, int>*>(private_data);
    p->first = true;
    p->second = status;
}

}  // namespace

Result<Credentials> load_credentials(const IscsiOptions& o) {
    Credentials c;
    if (!o.chap_user.empty()) {
        Result<Secret> s = read_chap_secret(o.chap_secret_file, "chap_secret_file");
        if (!s.is_ok()) return s.take_status();
        c.chap = std::move(s.value());
    }
    if (!o.mutual_chap_user.empty()) {
        Result<Secret> s = read_chap_secret(o.mutual_chap_secret_file, "mutual_chap_secret_file");
        if (!s.is_ok()) return s.take_status();
        c.mutual = std::move(s.value());
    }
    return c;
}

IscsiSession::IscsiSession(iscsi_context* ctx, std::string portal, int lun)
    : ctx_(ctx), portal_(std::move(portal)), lun_(lun) {}

IscsiSession::~IscsiSession() {
    // Cancels every task in flight (their callbacks run now, into completions_ still alive).
    if (ctx_) iscsi_destroy_context(ctx_);
    for (auto& c : completions_)
        if (c->task) scsi_free_scsi_task(c->task);
}

std::string IscsiSession::last_error() const {
    const char* e = ctx_ ? iscsi_get_error(ctx_) : nullptr;
    const std::string text = e && *e ? e : "no detail from libiscsi";
    if (socket_errno_ != 0) return std::string(std::strerror(socket_errno_)) + " (libiscsi: " + text + ")";
    return text;
}

std::string IscsiSession::task_failure(const scsi_task* task, int status) {
    if (status == SCSI_STATUS_CANCELLED) return "command cancelled (connection lost)";
    if (status == SCSI_STATUS_ERROR) return "command failed (connection error)";
    if (status == SCSI_STATUS_TIMEOUT) return "command timed out";
    std::string s = "SCSI status " + std::to_string(status);
    if (task && status == SCSI_STATUS_CHECK_CONDITION) {
        char ascq[16];
        std::snprintf(ascq, sizeof ascq, "0x%04x", static_cast<unsigned>(task->sense.ascq));
        // libiscsi names only the codes in its tables and returns NULL for the rest (tgtd answers
        // a write its backing store could not take with one of those).
        const char* key = scsi_sense_key_str(task->sense.key);
        const char* what = scsi_sense_ascq_str(task->sense.ascq);
        s += std::string(" (CHECK CONDITION: ") + (key ? key : sense_key_name(task->sense.key)) + ", " +
             (what ? what : "additional sense") + " " + ascq + ")";
        if (task->sense.key == kMediumError)
            s += "; the target could not store or read the blocks (its backing store full or failing?)";
    }
    return s;
}

Status IscsiSession::run_until(const std::function<bool()>& done, const CallOptions& opts,
                               const std::string& waiting_for) {
    while (!done()) {
        if (broken()) return broken_error_;
        if (opts.expired())
            return Status::from_errno(ETIMEDOUT, where() + "no answer while waiting for " + waiting_for +
                                                     " (deadline passed; target stalled?)");
        pollfd pfd{};
        pfd.fd = iscsi_get_fd(ctx_);
        pfd.events = static_cast<short>(iscsi_which_events(ctx_));
        const int wait_ms = std::min(opts.remaining_ms(), poll_slice_ms);
        int n = 0;
        if (pfd.fd >= 0 && pfd.events != 0) {
            n = ::poll(&pfd, 1, wait_ms);
            if (n < 0 && errno != EINTR) return Status::from_errno(errno, where() + "poll");
        } else {
            ::poll(nullptr, 0, wait_ms);  // libiscsi asks for a pause (between its reconnect steps)
        }
        // Read before iscsi_service(), which closes the socket when it gives up on it.
        int sock_err = 0;
        if (n > 0 && (pfd.revents & (POLLERR | POLLHUP))) {
            socklen_t len = sizeof sock_err;
            if (::getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &sock_err, &len) != 0) sock_err = 0;
        }
        if (iscsi_service(ctx_, n > 0 ? pfd.revents : 0) < 0) {
            if (sock_err != 0) socket_errno_ = sock_err;
            broken_error_ = Status::from_errno(ECONNRESET, where() + "connection lost while waiting for " +
                                                               waiting_for + ": " + last_error())
                                .with_retryable(true);
            return broken_error_;
        }
    }
    return Status::ok();
}

void IscsiSession::on_complete(iscsi_context*, int status, void* command_data, void* private_data) {
    auto* c = static_cast<Completion*>(private_data);
    c->done = true;
    c->status = status;
    c->task = static_cast<scsi_task*>(command_data);
}

IscsiSession::Completion* IscsiSession::new_completion() {
    completions_.push_back(std::make_unique<Completion>());
    return completions_.back().get();
}

void IscsiSession::release(Completion* c) {
    if (c->task) scsi_free_scsi_task(c->task);
    completions_.remove_if([c](const std::unique_ptr<Completion>& p) { return p.get() == c; });
}

Status IscsiSession::wait(Completion* c, const CallOptions& opts, const std::string& what) {
    if (Status s = run_until([c] { return c->done; }, opts, what); !s.is_ok()) return s;  // c stays ours
    if (c->status != SCSI_STATUS_GOOD) {
        std::string why = task_failure(c->task, c->status);
        const bool lost = c->status == SCSI_STATUS_CANCELLED || c->status == SCSI_STATUS_ERROR;
        release(c);
        if (lost) {
            broken_error_ = Status::from_errno(ECONNRESET, where() + what + ": " + why + ": " + last_error());
            return broken_error_;
        }
        return Status::error(Code::system, where() + what + " failed: " + why);
    }
    return Status::ok();
}

Result<std::unique_ptr<IscsiSession>> IscsiSession::login(const IscsiOptions& o, const std::string& portal,
                                                          const Credentials& creds, const CallOptions& opts) {
    Result<ContextPtr> ctx = make_context(o, creds, false);
    if (!ctx.is_ok()) return ctx.take_status();
    std::unique_ptr<IscsiSession> s(new IscsiSession(ctx.value().release(), portal, o.lun));  // private constructor
    if (iscsi_full_connect_async(s->ctx_, portal.c_str(), o.lun, &IscsiSession::on_complete_login, s.get()) != 0)
        return login_error(portal, s->last_error(), o);
    Status waited = s->run_until([&] { return s->login_done_; }, opts, "the login");
    if (!waited.is_ok()) {
        if (waited.code() == Code::timeout) return waited.with_stage(Stage::connect);
        return login_error(portal, s->last_error(), o);
    }
    if (s->login_status_ != SCSI_STATUS_GOOD) return login_error(portal, s->last_error(), o);
    return s;
}

void IscsiSession::on_complete_login(iscsi_context*, int status, void*, void* private_data) {
    auto* s = static_cast<IscsiSession*>(private_data);
    if (s->login_done_) {
        // Called a second time: the logged-in connection failed. run_until sees it via iscsi_service.
        return;
    }
    s->login_done_ = true;
    s->login_status_ = status;
}

Result<std::vector<std::string>> IscsiSession::discover(const IscsiOptions& o, const std::string& portal,
                                                        const Credentials& creds, const CallOptions& opts) {
    Result<ContextPtr> ctx = make_context(o, creds, true);
    if (!ctx.is_ok()) return ctx.take_status();
    std::unique_ptr<IscsiSession> s(new IscsiSession(ctx.value().release(), portal, o.lun));
    std::pair<bool, int> step{false, 0};
    if (iscsi_connect_async(s->ctx_, portal.c_str(), &set_flag, &step) != 0)
        return login_error(portal, s->last_error(), o);
    if (Status w = s->run_until([&] { return step.first; }, opts, "the TCP connection"); !w.is_ok())
        return w.code() == Code::timeout ? w.with_stage(Stage::connect) : login_error(portal, s->last_error(), o);
    if (step.second != SCSI_STATUS_GOOD) return login_error(portal, s->last_error(), o);
    step = {false, 0};
    if (iscsi_login_async(s->ctx_, &set_flag, &step) != 0) return login_error(portal, s->last_error(), o);
    if (Status w = s->run_until([&] { return step.first; }, opts, "the discovery login"); !w.is_ok())
        return w.code() == Code::timeout ? w.with_stage(Stage::connect) : login_error(portal, s->last_error(), o);
    if (step.second != SCSI_STATUS_GOOD) return login_error(portal, s->last_error(), o);

    struct Found {
        bool done = false;
        int status = 0;
        std::vector<std::string> names;
    } found;
    auto on_discovery = [](iscsi_context*, int status, void* command_data, void* private_data) {
        auto* f = static_cast<Found*>(private_data);
        f->done = true;
        f->status = status;
        if (status != SCSI_STATUS_GOOD) return;
        for (auto* a = static_cast<iscsi_discovery_address*>(command_data); a; a = a->next)
            if (a->target_name) f->names.emplace_back(a->target_name);
    };
    if (iscsi_discovery_async(s->ctx_, on_discovery, &found) != 0)
        return Status::error(Code::system, s->where() + "SendTargets discovery: " + s->last_error()).with_stage(Stage::connect);
    if (Status w = s->run_until([&] { return found.done; }, opts, "SendTargets discovery"); !w.is_ok())
        return w.with_stage(Stage::connect);
    if (found.status != SCSI_STATUS_GOOD)
        return Status::error(Code::system, s->where() + "SendTargets discovery failed: " + s->last_error())
            .with_stage(Stage::connect);
    return found.names;
}

Result<Capacity> IscsiSession::read_capacity(const CallOptions& opts) {
    Completion* c = new_completion();
    if (!iscsi_readcapacity16_task(ctx_, lun_, &IscsiSession::on_complete, c))
        return Status::error(Code::system, where() + "READ CAPACITY(16): " + last_error());
    if (Status s = wait(c, opts, "READ CAPACITY(16)"); !s.is_ok()) return s;
    auto* rc = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(c->task));
    Capacity cap;
    if (rc) {
        cap.blocks = rc->returned_lba + 1;
        cap.block_size = rc->block_length;
    }
    release(c);
    if (cap.block_size < 512 || cap.block_size > 65536 || (cap.block_size & (cap.block_size - 1)) != 0)
        return Status::error(Code::not_supported, where() + "LUN " + std::to_string(lun_) + " reports a block size of " +
                                                      std::to_string(cap.block_size) + " bytes (512..65536, a power of 2, expected)");
    return cap;
}

Status IscsiSession::read_blocks(uint64_t lba, uint32_t block_size, std::span<std::byte> out, const CallOptions& opts) {
    Completion* c = new_completion();
    if (!iscsi_read16_task(ctx_, lun_, lba, static_cast<uint32_t>(out.size()), static_cast<int>(block_size), 0, 0, 0,
                           0, 0, &IscsiSession::on_complete, c))
        return Status::error(Code::system, where() + "READ(16): " + last_error());
    if (Status s = wait(c, opts, "READ(16) at block " + std::to_string(lba)); !s.is_ok()) return s;
    const scsi_task* t = c->task;
    Status result;
    if (t->datain.size != static_cast<int>(out.size()))
        result = Status::error(Code::corrupt, where() + "READ(16) at block " + std::to_string(lba) + " returned " +
                                                  std::to_string(t->datain.size) + " bytes, asked " +
                                                  std::to_string(out.size()));
    else
        std::copy_n(reinterpret_cast<const std::byte*>(t->datain.data), out.size(), out.data());
    release(c);
    return result;
}

Status IscsiSession::pump() {
    if (broken()) return broken_error_;
    pollfd pfd{};
    pfd.fd = iscsi_get_fd(ctx_);
    pfd.events = static_cast<short>(iscsi_which_events(ctx_));
    if (pfd.fd < 0 || pfd.events == 0 || ::poll(&pfd, 1, 0) <= 0) return Status::ok();
    if (iscsi_service(ctx_, pfd.revents) < 0) {
        broken_error_ = Status::from_errno(ECONNRESET, where() + "connection lost: " + last_error()).with_retryable(true);
        return broken_error_;
    }
    return Status::ok();
}

void IscsiSession::logout(const CallOptions& opts) noexcept {
    if (broken() || !iscsi_is_logged_in(ctx_)) return;
    std::pair<bool, int> done{false, 0};
    if (iscsi_logout_async(ctx_, &set_flag, &done) != 0) return;
    (void)run_until([&] { return done.first; }, opts, "the logout");  // best effort: nothing depends on it
    if (!done.first) {
        // The context is destroyed next; its callback must not find `done` gone. Destroying it
        // here, while `done` lives, cancels the logout.
        iscsi_destroy_context(ctx_);
        ctx_ = nullptr;
    }
}

Status IscsiSession::synchronize_cache(const CallOptions& opts) {
    Completion* c = new_completion();
    if (!iscsi_synchronizecache16_task(ctx_, lun_, 0, 0, 0, 0, &IscsiSession::on_complete, c))
        return Status::error(Code::system, where() + "SYNCHRONIZE CACHE(16): " + last_error());
    if (Status s = wait(c, opts, "SYNCHRONIZE CACHE(16)"); !s.is_ok()) return s;
    release(c);
    return Status::ok();
}

}  // namespace kdf::iscsi
