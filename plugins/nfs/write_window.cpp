// write_window.cpp - pipelined positional WRITEs.
#include "write_window.h"

#include <cerrno>
#include <cstring>

#include "nfs_error.h"

namespace kdf::nfs {

WriteWindow::WriteWindow(NfsClient& client, struct nfsfh* fh, uint32_t depth, std::string location)
    : client_(client), fh_(fh), location_(std::move(location)) {
    slots_.reserve(depth);
    for (uint32_t i = 0; i < depth; ++i) {
        slots_.push_back(std::make_shared<Slot>());
        slots_.back()->owner = this;
    }
}

WriteWindow::~WriteWindow() {
    for (auto& slot : slots_)
        if (slot->busy) {
            slot->owner = nullptr;
            try {
                client_.keep_until_destroyed(slot);
            } catch (...) {
                // Out of memory in a crash kernel: the attempt is lost anyway; libnfs only writes
                // into the slot if the context lives on, and the sink destroys it next.
            }
        }
}

void WriteWindow::on_written(int status, struct nfs_context* nfs, void* /*data*/, void* private_data) {
    auto* slot = static_cast<Slot*>(private_data);
    if (slot->owner) slot->owner->finished(*slot, status, nfs);
}

void WriteWindow::finished(Slot& slot, int status, struct nfs_context* nfs) {
    slot.busy = false;
    --in_flight_;
    if (status >= 0 && static_cast<uint64_t>(status) == slot.size) {
        acknowledged_ += slot.size;
        if (progress_opts_) progress_opts_->report_progress(acknowledged_);
        return;
    }
    if (!failed_.is_ok()) return;
    if (status > 0 && static_cast<uint64_t>(status) < slot.size) {
        // A short WRITE: the server stored the first `status` bytes, as it does when its
        // filesystem fills up. The rest is sent again, so the server's answer to it says why
        // (NFS4ERR_NOSPC, NFS3ERR_DQUOT, ...) instead of a bare "wrote only N bytes"; each resend
        // stores at least one more byte, or fails.
        const auto stored = static_cast<size_t>(status);
        acknowledged_ += stored;
        slot.offset += stored;
        slot.size -= stored;
        slot.bytes.erase(slot.bytes.begin(), slot.bytes.begin() + static_cast<std::ptrdiff_t>(stored));
        if (nfs_pwrite_async(nfs, fh_, slot.offset, slot.size, slot.bytes.data(), &on_written, &slot) == 0) {
            slot.busy = true;
            ++in_flight_;
            return;
        }
    }
    // Never throw through libnfs (C); Status building already degrades instead of throwing.
    const char* text = status < 0 ? nfs_get_error(nfs) : nullptr;
    std::string what;
    try {
        what = "write " + location_ + " at offset " + std::to_string(slot.offset) + " (" + std::to_string(slot.size) +
               " bytes)";
    } catch (...) {
    }
    if (status >= 0)
        failed_ = Status::from_errno(EIO, "nfs: " + what + ": server wrote only " + std::to_string(status) + " bytes");
    else
        failed_ = nfs_error(what, status, text ? text : std::strerror(-status));
    // A WRITE libnfs gave up on leaves the connection unusable for the rest of the dump.
    if (failed_.code() == Code::timeout) client_.mark_broken(failed_);
}

bool WriteWindow::overlaps_in_flight(uint64_t offset, uint64_t size) const {
    for (const auto& s : slots_)
        if (s->busy && s->offset < offset + size && offset < s->offset + s->size) return true;
    return false;
}

WriteWindow::Slot* WriteWindow::free_slot(const CallOptions& opts, Status& why) {
    auto find = [this]() -> Slot* {
        for (auto& s : slots_)
            if (!s->busy) return s.get();
        return nullptr;
    };
    Slot* slot = find();
    if (!slot) {
        why = client_.wait([&] { return in_flight_ < slots_.size() || !failed_.is_ok(); }, opts,
                           "waiting for WRITE replies on " + location_);
        if (!why.is_ok()) return nullptr;
        slot = find();
    }
    if (!failed_.is_ok()) {
        why = failed_;
        return nullptr;
    }
    return slot;
}

Status WriteWindow::write(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    progress_opts_ = &opts;
    struct Reset {
        const CallOptions*& p;
        ~Reset() { p = nullptr; }
    } reset{progress_opts_};
    if (!failed_.is_ok()) return failed_;
    const uint64_t piece_max = client_.max_write();
    while (!data.empty()) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(piece_max, data.size()));
        // The server may apply WRITEs in flight in any order (it runs them on several threads): a
        // rewrite of bytes still in flight waits for their answer, or the older bytes could win.
        if (overlaps_in_flight(offset, n)) {
            Status waited = client_.wait([&] { return !overlaps_in_flight(offset, n) || !failed_.is_ok(); }, opts,
                                         "waiting for an overlapping WRITE on " + location_);
            if (!waited.is_ok()) return waited;
            if (!failed_.is_ok()) return failed_;
        }
        Status why;
        Slot* slot = free_slot(opts, why);
        if (!slot) return why;
        slot->offset = offset;
        slot->size = n;
        slot->bytes.assign(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));  // keeps its capacity
        slot->busy = true;
        ++in_flight_;
        if (Status s = client_.start_pwrite(fh_, offset, slot->bytes, &on_written, slot, opts); !s.is_ok()) {
            slot->busy = false;
            --in_flight_;
            return s.with_context("nfs: write " + location_);
        }
        offset += n;
        data = data.subspan(n);
    }
    // Start sending now rather than at the next wait; replies that are in get handled.
    if (Status s = client_.pump(); !s.is_ok()) return s;
    return failed_;
}

Status WriteWindow::drain(const CallOptions& opts) {
    progress_opts_ = &opts;
    Status s = client_.wait([&] { return in_flight_ == 0; }, opts, "waiting for WRITE replies on " + location_);
    progress_opts_ = nullptr;
    if (!failed_.is_ok()) return failed_;
    return s;
}

}  // namespace kdf::nfs
