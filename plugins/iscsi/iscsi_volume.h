// iscsi_volume.h - a LUN as a kdf::RawVolume: WRITE(16) with several commands in flight, READ(16),
// SYNCHRONIZE CACHE(16), and one re-login on a lost connection.
//
// Writes: the sink's writes arrive in whatever sizes the dump format produces. Sequential bytes are
// gathered into a staging buffer that starts on a block boundary; every full write_size of it goes
// out as one WRITE(16), up to `inflight` of them unacknowledged at once. Each command owns its
// bytes until the target acknowledges it (a reconnect sends them again). A write that is not the
// continuation of the staged bytes sends the stage first. Partial blocks (the stage's tail at a
// flush, the head of a write that starts inside a block) are merged with the LUN's current block
// by read-modify-write after every earlier command completed, so no byte outside a write changes.
// Block-aligned writes that are not sequential (the raw header at offset 0) go straight out; one
// that overlaps a command in flight waits for all of them first, since SCSI does not order
// commands in flight.
//
// Faults: a lost connection (reset, target killed) is survived once per volume: log in again on
// the same portal, then the next ones in order, and resend every unacknowledged command (the dump
// resumes at the last acknowledged offset). A second loss, a timeout (a stalled target: the
// caller's deadline is the chain's stall timeout) or a SCSI error ends the volume's writing: every
// later call returns that error. read_at() and flush() see every write made before them.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "iscsi_options.h"
#include "iscsi_session.h"
#include "kdf/raw_volume.h"

namespace kdf::iscsi {

class IscsiVolume final : public RawVolume {
public:
    // Resolves the target (discovery when o.target is empty), reads the CHAP secrets, logs in on
    // the first portal that answers within opts.deadline and reads the capacity.
    static Result<std::unique_ptr<IscsiVolume>> open(IscsiOptions o, const CallOptions& opts);
    ~IscsiVolume() override;

    uint64_t size() const noexcept override { return size_; }
    uint32_t block_size() const noexcept override { return block_size_; }
    const std::string& location() const noexcept override { return location_; }
    Status read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept override;
    Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept override;
    Status flush(const CallOptions& opts) noexcept override;

    // The portal the session is logged in to now (changes after a reconnect).
    const std::string& portal() const noexcept;
    // How many times the connection was re-established (0 or 1).
    int reconnects() const noexcept { return reconnects_; }

private:
    struct Command;  // one WRITE(16) and its bytes
    static void on_written(struct iscsi_context*, int status, void* command_data, void* private_data);

    IscsiVolume(IscsiOptions o, Credentials creds, std::unique_ptr<IscsiSession> session, size_t portal_index,
                Capacity cap);

    Status do_write(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts);
    Status send_stage(bool pad_tail, const CallOptions& opts);
    Status send(uint64_t offset, std::vector<std::byte> bytes, const CallOptions& opts);
    Status submit(Command& c);
    // Waits until at most `max_pending` commands are unacknowledged; reaps acknowledged ones.
    Status wait_pending(size_t max_pending, const CallOptions& opts);
    Status reap(const CallOptions& opts);
    bool overlaps_pending(uint64_t offset, uint64_t length) const;
    Status read_direct(uint64_t offset, std::span<std::byte> out, const CallOptions& opts);
    // After a lost connection: log in again (once per volume) and resend what is unacknowledged.
    Status recover(Status why, const CallOptions& opts);
    Status fail(Status s);

    IscsiOptions options_;
    Credentials creds_;
    size_t portal_index_;
    uint64_t size_;
    uint32_t block_size_;
    std::string location_;
    std::deque<std::unique_ptr<Command>> pending_;  // outlive session_: destroying it cancels them
    std::unique_ptr<IscsiSession> session_;
    uint64_t stage_offset_ = 0;        // block-aligned byte offset of stage_[0]
    std::vector<std::byte> stage_;     // sequential bytes not sent yet
    uint64_t acknowledged_ = 0;        // bytes the target acknowledged, for progress heartbeats
    int reconnects_ = 0;
    uint64_t generation_ = 0;          // bumped per session: callbacks of a dropped one are ignored
    Status failed_;                    // set once writing cannot go on
};

// `kdump-failover save iscsi://...`: the volume for a URL (kdf/raw_volume_export.h).
Result<std::unique_ptr<RawVolume>> open_volume_url(std::string_view url, const CallOptions& opts) noexcept;

}  // namespace kdf::iscsi
