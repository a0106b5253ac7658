// nfs_sink.cpp - the dump directory on an NFS export.
#include "nfs_sink.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "kdf/call_helpers.h"
#include "kdf/names.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"
#include "nfs_dump_store.h"
#include "nfs_error.h"

namespace kdf::nfs {

namespace {

std::string join(const std::string& dir, std::string_view name) {
    std::string p = dir == "/" ? std::string() : dir;
    return p.append("/").append(name);
}

}  // namespace

std::string url_in(const NfsOptions& o, const std::string& path) {
    return "nfs://" + o.server + (o.export_path == "/" ? std::string() : o.export_path) + path;
}

Status explain_denied(Status s, NfsClient& client, const std::string& dir, const CallOptions& opts) {
    if (s.sys_errno() != EACCES && s.sys_errno() != EPERM) return s;
    const NfsOptions& o = client.options();
    std::string owner;
    if (Result<nfs_stat_64> st = client.stat(dir, opts); st.is_ok())
        owner = owner_text(st->nfs_uid, st->nfs_gid, st->nfs_mode);
    return s.with_context("nfs: " + url_in(o, dir) + owner + " is not writable for us: " +
                          permission_hint(o.uid, o.gid));
}

Result<uint64_t> check_dump_root(NfsClient& c, const CallOptions& opts) {
    const NfsOptions& o = c.options();
    const std::string& root = o.dump_root();
    Result<nfs_stat_64> st = c.stat(root, opts);
    if (!st.is_ok()) {
        Status s = st.take_status();
        if (s.code() == Code::not_found)
            return s.with_context("nfs: directory " + url_in(o, root) +
                                  " does not exist; it is never created, so a typo never turns into a new tree");
        return s;
    }
    if (!S_ISDIR(st->nfs_mode))
        return Status::from_errno(ENOTDIR, "nfs: target path " + url_in(o, root) + " is not a directory");
    Result<nfs_statvfs_64> vfs = c.statvfs(root, opts);
    if (!vfs.is_ok()) return vfs.take_status();
    const uint64_t unit = vfs->f_frsize ? vfs->f_frsize : vfs->f_bsize;
    return vfs->f_bavail * unit;
}

Result<std::unique_ptr<Sink>> NfsSink::open(std::unique_ptr<NfsClient> client, const DumpInfo& dump,
                                            const CallOptions& opts) {
    if (Status s = check_dump_names("nfs", dump); !s.is_ok()) return s;
    NfsClient& c = *client;
    const NfsOptions& o = c.options();
    const std::string& root = o.dump_root();

    Result<uint64_t> free = check_dump_root(c, opts);
    if (!free.is_ok()) return free.take_status();
    // Retention before the reserve check, which then sees the space it made.
    if (o.retention.active()) {
        NfsDumpStore store(c);
        auto removed = apply_retention(store, o.retention, dump.host, "nfs", url_in(o, root), opts);
        if (!removed.is_ok()) return removed.take_status();
        free = check_dump_root(c, opts);
        if (!free.is_ok()) return free.take_status();
    }
    if (Status s = check_reserve("nfs", free.value(), o.reserve, url_in(o, root)); !s.is_ok()) return s;

    const std::string dir = join(root, dump.dir_name);
    if (Status s = c.mkdir(dir, 0700, opts); !s.is_ok()) {
        if (s.sys_errno() != EEXIST) return explain_denied(std::move(s), c, root, opts);
        for (const std::string& name : finished_dump_names(dump.final_name))
            if (c.stat(join(dir, name), opts).is_ok()) return dump_exists_error("nfs", url_in(o, dir), name);
    }
    // O_EXCL: an incomplete dump an earlier attempt left is evidence, never truncated.
    Result<struct nfsfh*> fh = c.create_new(join(dir, incomplete_dump_name), 0600, opts);
    if (!fh.is_ok()) return explain_denied(fh.take_status(), c, dir, opts);
    return std::unique_ptr<Sink>(
        std::make_unique<NfsSink>(std::move(client), dir, fh.value(), dump.final_name));
}

NfsSink::NfsSink(std::unique_ptr<NfsClient> client, std::string dir, struct nfsfh* fh, std::string final_name)
    : SinkBase("nfs", std::move(final_name), url_in(client->options(), join(dir, incomplete_dump_name))),
      dir_(std::move(dir)),
      fh_(fh),
      client_(std::move(client)) {
    // Keep about `inflight` x write_size bytes in flight even when WRITEs must be small (NFSv4 on
    // libnfs 4.0.0): many small WRITEs in flight hide the per-call latency.
    const NfsOptions& o = client_->options();
    const uint64_t pieces = std::max<uint64_t>(1, o.write_size / std::max<uint64_t>(1, client_->max_write()));
    const auto depth = static_cast<uint32_t>(std::min<uint64_t>(256, o.inflight * pieces));
    window_ = std::make_unique<WriteWindow>(*client_, fh_, std::max(depth, o.inflight), location());
}

// Bounded: a dead server must not hold the attempt process at exit.
NfsSink::~NfsSink() { abort_if_writing(std::chrono::seconds(3)); }

std::string NfsSink::url_of(const std::string& path) const { return url_in(client_->options(), path); }

Status NfsSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    return window_->write(offset, data, opts);
}

Status NfsSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    NfsClient& c = *client_;
    const std::string final_path = join(dir_, name);
    const std::string tmp = join(dir_, "." + std::string(name) + ".part");
    // A stale temp file from an earlier try would make the exclusive create fail.
    if (Status s = c.unlink(tmp, opts); !s.is_ok() && s.code() != Code::not_found) return s;
    Result<struct nfsfh*> fh = c.create_new(tmp, 0600, opts);
    if (!fh.is_ok()) return explain_denied(fh.take_status(), c, dir_, opts);
    // A failed side file still closes its handle (briefly: the server may be the problem).
    auto closed_after = [&](Status s) {
        (void)c.close(fh.value(), tmp, cleanup_options(opts, std::chrono::seconds(2)));
        return s;
    };
    {
        WriteWindow side(c, fh.value(), 4, url_of(tmp));
        if (Status s = side.write(0, data, opts); !s.is_ok()) return closed_after(std::move(s));
        if (Status s = side.drain(opts); !s.is_ok()) return closed_after(std::move(s));
    }
    if (Status s = c.fsync(fh.value(), tmp, opts); !s.is_ok()) return closed_after(std::move(s));
    if (Status s = c.close(fh.value(), tmp, opts); !s.is_ok()) return s;
    return c.rename(tmp, final_path, opts);
}

Status NfsSink::do_commit(const CallOptions& opts) {
    NfsClient& c = *client_;
    const std::string incomplete = join(dir_, incomplete_dump_name);
    if (Status s = window_->drain(opts); !s.is_ok()) return s;
    // COMMIT: the server's UNSTABLE writes reach its disk before the name says "complete".
    if (Status s = c.fsync(fh_, incomplete, opts); !s.is_ok()) return s;
    opts.report_progress(window_->acknowledged());
    // From here on the handle is released whatever happens; a failure leaves vmcore-incomplete.
    struct nfsfh* fh = fh_;
    fh_ = nullptr;
    if (Status s = c.close(fh, incomplete, opts); !s.is_ok()) return s;
    // NFS RENAME replaces an existing target: check first, a finished dump is never overwritten.
    const std::string final_path = join(dir_, final_name());
    if (c.stat(final_path, opts).is_ok())
        return Status::from_errno(EEXIST, "nfs: " + url_of(final_path) + " already exists; refusing to replace it");
    if (!c.health().is_ok()) return c.health();
    if (Status s = c.rename(incomplete, final_path, opts); !s.is_ok()) return s;
    set_location(url_of(final_path));
    return Status::ok();
}

Status NfsSink::do_abort(const CallOptions& opts) {
    if (!fh_) return Status::ok();  // a commit that failed after releasing the handle: nothing to stop
    NfsClient& c = *client_;
    if (!c.health().is_ok()) return Status::ok();  // nothing more can reach the server; the name says incomplete
    // Best effort: what was written is worth keeping (and COMMITting) as evidence.
    Status drained = window_->drain(opts);
    if (!c.health().is_ok()) return drained;
    struct nfsfh* fh = fh_;
    fh_ = nullptr;
    Status closed = c.close(fh, join(dir_, incomplete_dump_name), opts);
    return drained.is_ok() ? closed : drained;
}

}  // namespace kdf::nfs
