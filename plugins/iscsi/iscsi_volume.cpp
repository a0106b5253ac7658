// iscsi_volume.cpp - the LUN as a RawVolume (see iscsi_volume.h).
#include "iscsi_volume.h"

#include <fnmatch.h>

#include <algorithm>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "kdf/guard.h"

namespace kdf::iscsi {

namespace {

// `save` runs without a deadline; a stalled target must still not hang it forever.
constexpr auto unbounded_call_limit = std::chrono::seconds(60);

CallOptions bounded(const CallOptions& opts) {
    CallOptions o = opts;
    if (o.deadline == Clock::time_point::max()) o.deadline = Clock::now() + unbounded_call_limit;
    return o;
}

bool connection_lost(int status) { return status == SCSI_STATUS_CANCELLED || status == SCSI_STATUS_ERROR; }

// The target named by the options, or the one discovery finds that target_match selects.
Result<std::string> resolve_target(const IscsiOptions& o, const Credentials& creds, const CallOptions& opts) {
    if (!o.target.empty()) return o.target;
    Status last;
    for (const std::string& portal : o.portals) {
        Result<std::vector<std::string>> names = IscsiSession::discover(o, portal, creds, opts);
        if (!names.is_ok()) {
            last = names.take_status();
            continue;
        }
        std::vector<std::string> chosen;
        for (const std::string& n : names.value())
            if (o.target_match.empty() || ::fnmatch(o.target_match.c_str(), n.c_str(), 0) == 0) chosen.push_back(n);
        if (chosen.size() == 1) return chosen.front();
        std::string offered;
        for (const std::string& n : names.value()) offered += (offered.empty() ? "" : ", ") + n;
        if (offered.empty()) offered = "none";
        return Status::error(Code::not_found,
                             "iscsi: discovery on " + portal + ": " +
                                 (chosen.empty() ? std::string("no target") : std::to_string(chosen.size()) + " targets") +
                                 (o.target_match.empty() ? std::string(" offered") : " match '" + o.target_match + "'") +
                                 " (offered: " + offered + "); set target, or a target_match that selects one")
            .with_stage(Stage::connect);
    }
    return last.with_context("iscsi: SendTargets discovery failed on every portal");
}

}  // namespace

struct IscsiVolume::Command {
    IscsiVolume* owner = nullptr;
    uint64_t offset = 0;
    std::vector<std::byte> bytes;
    uint64_t generation = 0;
    bool done = false;
    int status = 0;
    std::string failure;
};

IscsiVolume::IscsiVolume(IscsiOptions o, Credentials creds, std::unique_ptr<IscsiSession> session, size_t portal_index,
                         Capacity cap)
    : options_(std::move(o)),
      creds_(std::move(creds)),
      portal_index_(portal_index),
      size_(cap.blocks * cap.block_size),
      block_size_(cap.block_size),
      session_(std::move(session)) {
    location_ = "iscsi://" + options_.portals[portal_index_] + "/" + options_.target + "/" + std::to_string(options_.lun);
}

IscsiVolume::~IscsiVolume() {
    if (session_) {
        CallOptions quick;
        quick.deadline = Clock::now() + std::chrono::seconds(1);
        // A target that stopped answering gets no LOGOUT: waiting for it would outlast the caller's
        // deadline (the chain's stall timeout) and get the attempt killed instead of failed.
        if (pending_.empty() && failed_.is_ok()) session_->logout(quick);
        session_.reset();  // cancels commands still in flight while pending_ still holds their bytes
    }
}

const std::string& IscsiVolume::portal() const noexcept { return options_.portals[portal_index_]; }

Result<std::unique_ptr<IscsiVolume>> IscsiVolume::open(IscsiOptions o, const CallOptions& given) {
    const CallOptions opts = bounded(given);
    Result<Credentials> creds = load_credentials(o);
    if (!creds.is_ok()) return creds.take_status().with_stage(Stage::auth);
    Result<std::string> target = resolve_target(o, creds.value(), opts);
    if (!target.is_ok()) return target.take_status();
    o.target = target.value();

    std::string tried;
    Status last;
    for (size_t i = 0; i < o.portals.size(); ++i) {
        Result<std::unique_ptr<IscsiSession>> session = IscsiSession::login(o, o.portals[i], creds.value(), opts);
        if (!session.is_ok()) {
            last = session.take_status();
            tried += (tried.empty() ? "" : "; ") + last.message();
            if (last.code() == Code::timeout) last.with_stage(Stage::connect);
            continue;
        }
        Result<Capacity> cap = session.value()->read_capacity(opts);
        if (!cap.is_ok()) return cap.take_status().with_stage(Stage::connect);
        if (o.write_size % cap->block_size != 0)
            return Status::error(Code::not_supported, "iscsi: " + o.display() + " has " +
                                                          std::to_string(cap->block_size) +
                                                          "-byte blocks; write_size must be a multiple of that");
        return std::unique_ptr<IscsiVolume>(
            new IscsiVolume(std::move(o), std::move(creds.value()), std::move(session.value()), i, cap.value()));
    }
    if (o.portals.size() == 1) return last;
    Status all = Status::error(last.code(), "iscsi: no portal of " + o.target + " could be used: " + tried);
    return all.with_stage(last.stage()).with_errno(last.sys_errno());
}

void IscsiVolume::on_written(iscsi_context*, int status, void* command_data, void* private_data) {
    auto* c = static_cast<Command*>(private_data);
    auto* task = static_cast<scsi_task*>(command_data);
    if (c->generation == c->owner->generation_) {
        c->done = true;
        c->status = status;
        if (status == SCSI_STATUS_GOOD) c->owner->acknowledged_ += c->bytes.size();
        else c->failure = IscsiSession::task_failure(task, status);
    }
    if (task) scsi_free_scsi_task(task);
}

Status IscsiVolume::fail(Status s) {
    if (failed_.is_ok()) failed_ = s;
    return s;
}

Status IscsiVolume::submit(Command& c) {
    c.generation = generation_;
    c.done = false;
    c.status = 0;
    scsi_task* task = iscsi_write16_task(session_->context(), options_.lun, c.offset / block_size_,
                                         reinterpret_cast<unsigned char*>(c.bytes.data()),
                                         static_cast<uint32_t>(c.bytes.size()), static_cast<int>(block_size_), 0, 0, 0,
                                         0, 0, &IscsiVolume::on_written, &c);
    if (!task)
        return Status::from_errno(ECONNRESET, session_->where() + "cannot queue WRITE(16): " + session_->last_error());
    return session_->pump();
}

bool IscsiVolume::overlaps_pending(uint64_t offset, uint64_t length) const {
    return std::any_of(pending_.begin(), pending_.end(), [&](const std::unique_ptr<Command>& c) {
        return offset < c->offset + c->bytes.size() && c->offset < offset + length;
    });
}

Status IscsiVolume::reap(const CallOptions& opts) {
    uint64_t before = acknowledged_;
    for (auto it = pending_.begin(); it != pending_.end();) {
        Command& c = **it;
        if (!c.done) {
            ++it;
            continue;
        }
        if (c.status == SCSI_STATUS_GOOD) {
            it = pending_.erase(it);
            continue;
        }
        const std::string what = "WRITE(16) of " + std::to_string(c.bytes.size()) + " bytes at byte " +
                                 std::to_string(c.offset) + " of " + location_ + ": " + c.failure;
        if (connection_lost(c.status)) return Status::from_errno(ECONNRESET, session_->where() + what);
        return Status::error(Code::system, session_->where() + what);
    }
    if (acknowledged_ != before) opts.report_progress(acknowledged_);
    return Status::ok();
}

Status IscsiVolume::wait_pending(size_t max_pending, const CallOptions& opts) {
    for (;;) {
        Status s = reap(opts);
        if (s.is_ok() && pending_.size() <= max_pending) return Status::ok();
        if (s.is_ok()) {
            s = session_->run_until(
                [&] {
                    return std::any_of(pending_.begin(), pending_.end(),
                                       [](const std::unique_ptr<Command>& c) { return c->done; });
                },
                opts, std::to_string(pending_.size()) + " WRITE(16) commands in flight");
            if (s.is_ok()) continue;
        }
        if (s.sys_errno() != ECONNRESET) return fail(s);
        if (Status r = recover(s, opts); !r.is_ok()) return fail(r);
    }
}

Status IscsiVolume::recover(Status why, const CallOptions& opts) {
    if (reconnects_ >= 1)
        return fail(why.with_context("iscsi: connection lost a second time; not reconnecting again"));
    ++reconnects_;
    ++generation_;
    session_.reset();  // cancels what was in flight; those callbacks see an old generation
    Status last = why;
    for (size_t k = 0; k < options_.portals.size(); ++k) {
        const size_t i = (portal_index_ + k) % options_.portals.size();
        Result<std::unique_ptr<IscsiSession>> s = IscsiSession::login(options_, options_.portals[i], creds_, opts);
        if (!s.is_ok()) {
            last = s.take_status();
            continue;
        }
        Result<Capacity> cap = s.value()->read_capacity(opts);
        if (!cap.is_ok()) {
            last = cap.take_status();
            continue;
        }
        if (cap->block_size != block_size_ || cap->blocks * cap->block_size != size_) {
            last = Status::error(Code::corrupt, "iscsi: after reconnecting, " + options_.portals[i] + " shows LUN " +
                                                    std::to_string(options_.lun) + " with a different size or block size");
            continue;
        }
        session_ = std::move(s.value());
        portal_index_ = i;
        break;
    }
    if (!session_)
        return fail(last.with_context("iscsi: connection lost (" + why.message() + "); logging in again failed"));
    for (auto& c : pending_)
        if (!c->done || c->status != SCSI_STATUS_GOOD)
            if (Status s = submit(*c); !s.is_ok()) return s;
    return Status::ok();
}

Status IscsiVolume::send(uint64_t offset, std::vector<std::byte> bytes, const CallOptions& opts) {
    if (overlaps_pending(offset, bytes.size()))
        if (Status s = wait_pending(0, opts); !s.is_ok()) return s;
    if (Status s = wait_pending(options_.inflight - 1, opts); !s.is_ok()) return s;
    auto command = std::make_unique<Command>();
    command->owner = this;
    command->offset = offset;
    command->bytes = std::move(bytes);
    pending_.push_back(std::move(command));
    if (Status s = submit(*pending_.back()); !s.is_ok()) {
        if (s.sys_errno() != ECONNRESET) return fail(s);
        if (Status r = recover(s, opts); !r.is_ok()) return fail(r);
    }
    return Status::ok();
}

Status IscsiVolume::read_direct(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) {
    const uint64_t first = offset / block_size_ * block_size_;
    const uint64_t end = offset + out.size();
    std::vector<std::byte> buf;
    for (uint64_t pos = first; pos < end;) {
        const uint64_t n = std::min<uint64_t>(options_.write_size, (end - pos + block_size_ - 1) / block_size_ * block_size_);
        buf.resize(n);
        Status s = session_->read_blocks(pos / block_size_, block_size_, buf, opts);
        if (!s.is_ok() && session_->broken() && s.sys_errno() == ECONNRESET) {
            if (Status r = recover(s, opts); !r.is_ok()) return r;
            if (Status w = wait_pending(0, opts); !w.is_ok()) return w;
            s = session_->read_blocks(pos / block_size_, block_size_, buf, opts);
        }
        if (!s.is_ok()) return s;
        const uint64_t from = std::max(pos, offset), to = std::min(pos + n, end);
        std::copy(buf.begin() + static_cast<ptrdiff_t>(from - pos), buf.begin() + static_cast<ptrdiff_t>(to - pos),
                  out.begin() + static_cast<ptrdiff_t>(from - offset));
        pos += n;
    }
    return Status::ok();
}

Status IscsiVolume::send_stage(bool pad_tail, const CallOptions& opts) {
    if (stage_.empty()) return Status::ok();
    const size_t tail = stage_.size() % block_size_;
    if (tail != 0 && pad_tail) {
        // Keep the rest of the last block as the LUN has it.
        if (Status s = wait_pending(0, opts); !s.is_ok()) return s;
        std::vector<std::byte> block(block_size_);
        const uint64_t block_offset = stage_offset_ + stage_.size() - tail;
        if (Status s = read_direct(block_offset, block, opts); !s.is_ok()) return fail(s);
        stage_.insert(stage_.end(), block.begin() + static_cast<ptrdiff_t>(tail), block.end());
    }
    std::vector<std::byte> bytes = std::move(stage_);
    stage_.clear();
    const uint64_t offset = stage_offset_;
    stage_offset_ += bytes.size();
    return send(offset, std::move(bytes), opts);
}

Status IscsiVolume::do_write(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    if (!failed_.is_ok()) return failed_;
    if (offset > size_ || data.size() > size_ - offset)
        return Status::error(Code::no_space, "iscsi: write of " + std::to_string(data.size()) + " bytes at byte " +
                                                 std::to_string(offset) + " passes the end of " + location_ + " (" +
                                                 std::to_string(size_) + " bytes)");
    if (data.empty()) return Status::ok();
    const bool continues = !stage_.empty() && offset == stage_offset_ + stage_.size();
    const bool aligned = offset % block_size_ == 0 && data.size() % block_size_ == 0;
    const bool hits_stage = !stage_.empty() && offset < stage_offset_ + stage_.size() + block_size_ &&
                            stage_offset_ < offset + data.size();
    if (!continues && aligned && !stage_.empty() && !hits_stage) {
        // Stand-alone (the header): straight out, the staged bytes stay staged.
        for (uint64_t done = 0; done < data.size(); done += options_.write_size) {
            auto piece = data.subspan(done, std::min<uint64_t>(options_.write_size, data.size() - done));
            if (Status s = send(offset + done, std::vector<std::byte>(piece.begin(), piece.end()), opts); !s.is_ok())
                return s;
        }
        return Status::ok();
    }
    if (!continues) {
        if (Status s = send_stage(true, opts); !s.is_ok()) return s;
        const uint64_t head = offset % block_size_;
        stage_offset_ = offset - head;
        if (head != 0) {
            // Keep the start of the first block as the LUN has it.
            if (Status s = wait_pending(0, opts); !s.is_ok()) return s;
            std::vector<std::byte> block(block_size_);
            if (Status s = read_direct(stage_offset_, block, opts); !s.is_ok()) return fail(s);
            stage_.assign(block.begin(), block.begin() + static_cast<ptrdiff_t>(head));
        }
    }
    stage_.insert(stage_.end(), data.begin(), data.end());
    while (stage_.size() >= options_.write_size) {
        std::vector<std::byte> chunk(stage_.begin(), stage_.begin() + static_cast<ptrdiff_t>(options_.write_size));
        stage_.erase(stage_.begin(), stage_.begin() + static_cast<ptrdiff_t>(options_.write_size));
        const uint64_t at = stage_offset_;
        stage_offset_ += options_.write_size;
        if (Status s = send(at, std::move(chunk), opts); !s.is_ok()) return s;
    }
    return Status::ok();
}

Status IscsiVolume::write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept {
    return guarded("iscsi", [&] { return do_write(offset, data, bounded(opts)); });
}

Status IscsiVolume::read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& given) noexcept {
    return guarded("iscsi", [&]() -> Status {
        const CallOptions opts = bounded(given);
        if (offset > size_ || out.size() > size_ - offset)
            return Status::error(Code::corrupt, "iscsi: read of " + std::to_string(out.size()) + " bytes at byte " +
                                                    std::to_string(offset) + " passes the end of " + location_);
        if (!failed_.is_ok()) return failed_;
        if (Status s = send_stage(true, opts); !s.is_ok()) return s;
        if (Status s = wait_pending(0, opts); !s.is_ok()) return s;
        return read_direct(offset, out, opts);
    });
}

Status IscsiVolume::flush(const CallOptions& given) noexcept {
    return guarded("iscsi", [&]() -> Status {
        const CallOptions opts = bounded(given);
        if (!failed_.is_ok()) return failed_;
        if (Status s = send_stage(true, opts); !s.is_ok()) return s;
        if (Status s = wait_pending(0, opts); !s.is_ok()) return s;
        Status s = session_->synchronize_cache(opts);
        if (!s.is_ok() && s.sys_errno() == ECONNRESET) {
            if (Status r = recover(s, opts); !r.is_ok()) return fail(r);
            if (Status w = wait_pending(0, opts); !w.is_ok()) return w;
            s = session_->synchronize_cache(opts);
        }
        return s.is_ok() ? s : fail(s);
    });
}

Result<std::unique_ptr<RawVolume>> open_volume_url(std::string_view url, const CallOptions& opts) noexcept {
    return guarded("iscsi", [&]() -> Result<std::unique_ptr<RawVolume>> {
        Result<IscsiUrl> parsed = parse_iscsi_url(url);
        if (!parsed.is_ok()) return parsed.take_status();
        Result<IscsiOptions> o = options_from_url(parsed.value());
        if (!o.is_ok()) return o.take_status();
        Result<std::unique_ptr<IscsiVolume>> v = IscsiVolume::open(std::move(o.value()), opts);
        if (!v.is_ok()) return v.take_status();
        return std::unique_ptr<RawVolume>(std::move(v.value()));
    });
}

}  // namespace kdf::iscsi
