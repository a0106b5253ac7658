// nfs_client.cpp - a libnfs context with deadline-bounded operations.
#include "nfs_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "nfs_error.h"

namespace kdf::nfs {

struct NfsClient::Completion {
    explicit Completion(OpKind k) : kind(k) {}
    OpKind kind;
    bool done = false;
    int status = 0;
    std::string error;
    nfs_stat_64 st{};
    nfs_statvfs_64 vfs{};
    struct nfsfh* fh = nullptr;
    struct nfsdir* dir = nullptr;
};

NfsClient::NfsClient(Key, struct nfs_context* ctx, NfsOptions options) : ctx_(ctx), options_(std::move(options)) {}

NfsClient::~NfsClient() {
    // Cancels whatever libnfs still holds; their callbacks run now, into orphans_ and into the
    // callers' write slots, which is why both outlive this call.
    if (ctx_) nfs_destroy_context(ctx_);
    ctx_ = nullptr;
}

void NfsClient::on_complete(int status, struct nfs_context* nfs, void* data, void* private_data) {
    auto* c = static_cast<Completion*>(private_data);
    c->done = true;
    c->status = status;
    if (status < 0) {
        // Never throw through libnfs (C): a lost message is better than a torn stack.
        try {
            const char* text = nfs_get_error(nfs);
            c->error = text ? text : std::strerror(-status);
        } catch (...) {
        }
        return;
    }
    switch (c->kind) {
    case OpKind::stat: c->st = *static_cast<nfs_stat_64*>(data); break;
    case OpKind::statvfs: c->vfs = *static_cast<nfs_statvfs_64*>(data); break;
    case OpKind::open: c->fh = static_cast<struct nfsfh*>(data); break;
    case OpKind::opendir: c->dir = static_cast<struct nfsdir*>(data); break;
    case OpKind::plain: break;
    }
}

namespace {

int socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (fd < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return 0;
    return err;
}

}  // namespace

void NfsClient::arm_timeout(const CallOptions& opts) {
    // libnfs stamps each PDU with now + this when it is queued; -1 = no limit.
    if (opts.deadline == Clock::time_point::max()) nfs_set_timeout(ctx_, -1);
    else nfs_set_timeout(ctx_, std::max(opts.remaining_ms(INT_MAX / 2), 1));
}

void NfsClient::mark_broken(Status s) {
    if (broken_.is_ok()) broken_ = std::move(s);
}

Status NfsClient::wait(const std::function<bool()>& done, const CallOptions& opts, std::string_view what) {
    while (!done()) {
        if (!broken_.is_ok()) return broken_;
        if (opts.expired()) {
            mark_broken(Status::error(Code::timeout, "nfs: " + options_.display() + " did not answer in time while " +
                                                         std::string(what) + " (server stopped or unreachable)")
                            .with_retryable(true));
            return broken_;
        }
        struct pollfd pfd {};
        pfd.fd = nfs_get_fd(ctx_);
        pfd.events = static_cast<short>(nfs_which_events(ctx_));
        // Slices of <= 100 ms: libnfs scans its RPC timeouts only when serviced.
        int rc = ::poll(&pfd, 1, std::min(opts.remaining_ms(), 100));
        if (rc < 0) {
            if (errno == EINTR) continue;
            mark_broken(Status::from_errno(errno, "nfs: poll"));
            return broken_;
        }
        // libnfs reports a refused connect as a bare POLLHUP: ask the socket itself first.
        const int so_error = rc > 0 && (pfd.revents & (POLLERR | POLLHUP)) ? socket_error(pfd.fd) : 0;
        if (nfs_service(ctx_, rc > 0 ? pfd.revents : 0) < 0) {
            const char* text = nfs_get_error(ctx_);
            const std::string msg = "connection to " + options_.display() + " failed while " + std::string(what);
            if (so_error != 0) mark_broken(Status::from_errno(so_error, "nfs: " + msg + ": " + (text ? text : "")));
            else mark_broken(nfs_error(msg, 0, text ? text : ""));
            return broken_;
        }
    }
    return broken_;
}

Status NfsClient::pump() {
    if (!broken_.is_ok()) return broken_;
    struct pollfd pfd {};
    pfd.fd = nfs_get_fd(ctx_);
    pfd.events = static_cast<short>(nfs_which_events(ctx_));
    int rc = ::poll(&pfd, 1, 0);
    if (rc < 0 && errno != EINTR) {
        mark_broken(Status::from_errno(errno, "nfs: poll"));
    } else if (rc > 0 && nfs_service(ctx_, pfd.revents) < 0) {
        const char* text = nfs_get_error(ctx_);
        mark_broken(nfs_error("connection to " + options_.display() + " lost", 0, text ? text : ""));
    }
    return broken_;
}

Status NfsClient::run(Completion& c, const std::function<int(void*)>& start, const CallOptions& opts,
                      std::string_view what) {
    if (!broken_.is_ok()) return broken_;
    arm_timeout(opts);
    if (start(&c) != 0) {
        const char* text = nfs_get_error(ctx_);
        return nfs_error(what, -EIO, text ? text : "");
    }
    Status s = wait([&c] { return c.done; }, opts, what);
    if (!s.is_ok()) return s;
    if (c.status < 0) {
        Status e = nfs_error(what, c.status, c.error);
        if (e.code() == Code::timeout) mark_broken(e);
        return e;
    }
    return Status::ok();
}

// One operation: a fresh Completion, started by `start(private_data)`, waited for. A Completion
// libnfs may still call back (timed out, connection lost) moves to orphans_ instead of being freed.
template <class Start>
Result<NfsClient::Completion*> NfsClient::call(OpKind kind, std::string_view what, const CallOptions& opts,
                                               Start start) {
    auto c = std::make_unique<Completion>(kind);
    Completion* raw = c.get();
    Status s = run(*raw, start, opts, what);
    orphans_.push_back(std::move(c));  // freed with the context; a handful per dump
    if (!s.is_ok()) return s;
    return raw;
}

Result<std::unique_ptr<NfsClient>> NfsClient::mount(const NfsOptions& o, const CallOptions& opts) {
    struct nfs_context* ctx = nfs_init_context();
    if (!ctx) return Status::error(Code::system, "nfs: cannot create a libnfs context").with_errno(ENOMEM);
    auto client = std::make_unique<NfsClient>(Key{}, ctx, o);  // owns ctx from here on
    nfs_set_uid(ctx, o.uid);
    nfs_set_gid(ctx, o.gid);
    // A reconnect could silently lose UNSTABLE writes a restarted server never stored: fail instead.
    nfs_set_autoreconnect(ctx, 0);
    if (nfs_set_version(ctx, o.version) != 0)
        return Status::error(Code::not_supported, "nfs: libnfs " KDF_LIBNFS_VERSION " does not speak NFSv" +
                                                      std::to_string(o.version));
    if (o.nfs_port || o.mount_port) {
        // libnfs 4.0.0 has no setter for the ports: its URL parser applies them to the context.
        std::string url = "nfs://" + o.server + o.export_path + "?";
        if (o.nfs_port) url += "nfsport=" + std::to_string(o.nfs_port) + "&";
        if (o.mount_port) url += "mountport=" + std::to_string(o.mount_port) + "&";
        url.pop_back();
        struct nfs_url* parsed = nfs_parse_url_dir(ctx, url.c_str());
        if (!parsed) {
            const char* text = nfs_get_error(ctx);
            return Status::error(Code::invalid_config, "nfs: libnfs refused " + url + ": " + (text ? text : ""));
        }
        nfs_destroy_url(parsed);
    }

    const std::string what = "mount " + o.server + ":" + o.export_path + " (NFSv" + std::to_string(o.version) + ")";
    auto mounted = client->call(OpKind::plain, what, opts, [&](void* p) {
        return nfs_mount_async(ctx, o.server.c_str(), o.export_path.c_str(), &on_complete, p);
    });
    if (!mounted.is_ok()) {
        Status s = mounted.take_status();
        if (s.code() != Code::timeout &&
            (s.sys_errno() == ENOENT || s.sys_errno() == EACCES || s.sys_errno() == EPERM))
            return s.with_context("nfs: export " + o.server + ":" + o.export_path +
                                  " is not exported to us or does not exist");
        return s;
    }
    uint64_t server_max = nfs_get_writemax(ctx);  // 0 for NFSv4 (no FSINFO)
    client->max_write_ = o.write_size;
    if (server_max > 0) client->max_write_ = std::min(client->max_write_, server_max);
    if (o.version == 4 && std::string_view(KDF_LIBNFS_VERSION).starts_with("4.0."))
        client->max_write_ = std::min(client->max_write_, kNfs4MaxWrite);
    return client;
}

Result<nfs_stat_64> NfsClient::stat(const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::stat, "stat " + path, opts,
                  [&](void* p) { return nfs_stat64_async(ctx_, path.c_str(), &on_complete, p); });
    if (!c.is_ok()) return c.take_status();
    return c.value()->st;
}

Result<nfs_statvfs_64> NfsClient::statvfs(const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::statvfs, "fsstat " + path, opts,
                  [&](void* p) { return nfs_statvfs64_async(ctx_, path.c_str(), &on_complete, p); });
    if (!c.is_ok()) return c.take_status();
    return c.value()->vfs;
}

Status NfsClient::mkdir(const std::string& path, int mode, const CallOptions& opts) {
    auto c = call(OpKind::plain, "mkdir " + path, opts,
                  [&](void* p) { return nfs_mkdir2_async(ctx_, path.c_str(), mode, &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Result<struct nfsfh*> NfsClient::create_new(const std::string& path, int mode, const CallOptions& opts) {
    auto c = call(OpKind::open, "create " + path, opts, [&](void* p) {
        return nfs_open2_async(ctx_, path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode, &on_complete, p);
    });
    if (!c.is_ok()) return c.take_status();
    return c.value()->fh;
}

Status NfsClient::unlink(const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::plain, "remove " + path, opts,
                  [&](void* p) { return nfs_unlink_async(ctx_, path.c_str(), &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Status NfsClient::rmdir(const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::plain, "remove directory " + path, opts,
                  [&](void* p) { return nfs_rmdir_async(ctx_, path.c_str(), &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Result<std::vector<NfsClient::DirEntry>> NfsClient::list_dir(const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::opendir, "list " + path, opts,
                  [&](void* p) { return nfs_opendir_async(ctx_, path.c_str(), &on_complete, p); });
    if (!c.is_ok()) return c.take_status();
    // libnfs read the whole directory in the call; the listing is walked locally, then freed.
    struct nfsdir* dir = c.value()->dir;
    std::unique_ptr<struct nfsdir, std::function<void(struct nfsdir*)>> owned(
        dir, [this](struct nfsdir* d) { nfs_closedir(ctx_, d); });
    std::vector<DirEntry> out;
    while (struct nfsdirent* e = nfs_readdir(ctx_, dir)) {
        const std::string name = e->name ? e->name : "";
        if (name.empty() || name == "." || name == "..") continue;
        out.push_back({name, e->type});
    }
    return out;
}

Status NfsClient::rename(const std::string& from, const std::string& to, const CallOptions& opts) {
    auto c = call(OpKind::plain, "rename " + from + " to " + to, opts,
                  [&](void* p) { return nfs_rename_async(ctx_, from.c_str(), to.c_str(), &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Status NfsClient::fsync(struct nfsfh* fh, const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::plain, "commit " + path, opts,
                  [&](void* p) { return nfs_fsync_async(ctx_, fh, &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Status NfsClient::close(struct nfsfh* fh, const std::string& path, const CallOptions& opts) {
    auto c = call(OpKind::plain, "close " + path, opts,
                  [&](void* p) { return nfs_close_async(ctx_, fh, &on_complete, p); });
    return c.is_ok() ? Status::ok() : c.take_status();
}

Status NfsClient::start_pwrite(struct nfsfh* fh, uint64_t offset, std::span<const std::byte> data, nfs_cb cb,
                               void* private_data, const CallOptions& opts) {
    if (!broken_.is_ok()) return broken_;
    arm_timeout(opts);
    if (nfs_pwrite_async(ctx_, fh, offset, data.size(), data.data(), cb, private_data) != 0) {
        const char* text = nfs_get_error(ctx_);
        return nfs_error("queue WRITE at offset " + std::to_string(offset), -EIO, text ? text : "");
    }
    return Status::ok();
}

}  // namespace kdf::nfs
