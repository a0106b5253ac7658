// kdf/transport.h - the transport plugin contract: a Transport makes Sinks; a Sink holds one dump.
//
// Who calls what, in order (every call is noexcept and returns Status/Result: no exception may
// cross the plugin boundary; wrap bodies in kdf::guarded() from kdf/guard.h):
//
//   describe()   any process, any time, no I/O.              Required.
//   check()      `kdump-failover check` and each attempt, offline (no I/O). Required.
//   capabilities(target)  after check() passed, wherever the core picks or validates the dump
//                format for that target (check, each attempt). No I/O. Optional.
//   probe()      `kdump-failover check --probe`, on the live system: reach, authenticate, check the
//                directory is writable, report free space; writes nothing lasting. Required.
//   open()       in the attempt process (a forked child of the supervisor), once per attempt:
//                connect, authenticate, create the incomplete dump. Blocks at most until
//                opts.deadline (the target's connect timeout).
//   Sink::put_file()        side files: vmcore-dmesg.txt before any dump data; vmcore-unreadable.txt
//                           after it (before commit) when some memory could not be read.
//   Sink::write_at()/append() the dump data: exactly one of them, as Description::ops says.
//   Sink::commit()          make the dump durable, then visible under its final name.
//   Sink::abort()           give up: leave what was written, marked incomplete. Never deletes.
//
// Threads: a Transport and its Sinks are used from one thread at a time. A plugin may run its own
// threads internally (pipelined writes) but must join them before commit()/abort() return.
//
// Lifetime (sdk/README.md): the host keeps the plugin library loaded while any Transport it
// created lives, and keeps the Transport alive while any Sink it opened lives. A plugin must not
// leave threads, callbacks or atexit handlers running after its last object is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/options.h"
#include "kdf/status.h"

namespace kdf {

// Capabilities are contracts the core relies on, declared as data (never inferred from the name).
enum class TransportCap : uint32_t {
    // The target's Sink takes write_at() at arbitrary offsets, in any order, overwriting allowed. The
    // core then writes the kdump-compressed (or ELF) file directly; without it the core sends the
    // flattened stream front to back (append, or write_at at contiguous offsets) and refuses a
    // configured format that cannot be streamed. Per target: see Transport::capabilities().
    positional_write = 1u << 0,
    // Until commit() returns ok nothing appears under the final name, and an interrupted dump stays
    // recognisably incomplete (vmcore-incomplete, or a header state) even if the process is killed.
    atomic_commit = 1u << 1,
    // Targets of this type need the network up; the initramfs integration waits for it.
    needs_network = 1u << 2,
    // commit() returns ok only after the data is on stable storage (fsync, NFS COMMIT, SYNC CACHE).
    durable_sync = 1u << 3,
};

constexpr uint32_t operator|(TransportCap a, TransportCap b) noexcept {
    return static_cast<uint32_t>(a) | static_cast<uint32_t>(b);
}
constexpr uint32_t operator|(uint32_t a, TransportCap b) noexcept { return a | static_cast<uint32_t>(b); }
constexpr bool has_cap(uint32_t caps, TransportCap c) noexcept { return (caps & static_cast<uint32_t>(c)) != 0; }

// For Transport::capabilities(target): `declared` less `cap` unless `keeps()` says this target has
// it. keeps() usually parses the target's options, which allocates; if it throws, the bit is
// cleared, because claiming less is always safe.
template <class Keeps>
uint32_t narrowed_caps(uint32_t declared, TransportCap cap, Keeps&& keeps) noexcept {
    try {
        if (keeps()) return declared;
    } catch (...) {
    }
    return declared & ~static_cast<uint32_t>(cap);
}

// Which data-writing hook the plugin's Sink overrides. Exactly one: a sink that can do both must
// pick one (the loader refuses both or neither, as RocksDB does with Append/PositionedAppend).
enum class SinkOp : uint32_t {
    write_at = 1u << 0,
    append = 1u << 1,
};

struct Description {
    std::string name;            // equals the <name> in kdf-transport-<name>.so
    std::string version;         // the plugin's own version
    std::string summary;         // one line for `kdump-failover plugins`
    uint32_t caps = 0;           // TransportCap bits: the union over targets (see capabilities())
    uint32_t ops = 0;            // SinkOp bits: exactly one
    std::vector<OptionSpec> options;
};

// What the core tells a transport about the dump it is about to receive.
struct DumpInfo {
    std::string host;         // this machine's name
    std::string dir_name;     // one path component, e.g. "node1-2026-11-23-19:04:05"; same on every target
    std::string final_name;   // "vmcore" (or "vmcore.flat" for a flattened stream)
    std::string format;       // "elf", "kdump" or "flat"
    uint64_t size_hint = 0;   // upper bound of the dump size in bytes; 0 = unknown
    int64_t started_unix = 0; // when the chain started, seconds since the epoch (UTC)
};

// What the crash kernel's initramfs must carry or prepare for one configured target, so that the
// target works there (`kdump-failover generate --manifest`, read by the dracut module). The plugin
// says it because only it knows which of its options name what: a `path` may be a local directory
// (local) or one on the server (ssh).
struct CrashKernelNeeds {
    // A file of this system the target reads in the crash kernel (a key, known_hosts).
    struct File {
        std::string key;           // the option that names it, for file:line in warnings
        std::string path;          // absolute path; installed at the same path
        std::string when_missing;  // a hint for a file that does not exist yet ("run `kdump-failover keys`")
    };
    std::vector<File> files;
    // Servers the target talks to, in the order it tries them (the initramfs brings up the
    // interface that routes to each).
    std::vector<std::string> hosts;
    // A local directory whose filesystem the initramfs must mount before the chain runs ("" = none),
    // and the option that named it.
    std::string mount_point;
    std::string mount_key;
    // Lines for the person building the initramfs (a dir-mode target without a mount point, say).
    std::vector<std::string> notes;
};

// What probe() found.
struct ProbeReport {
    std::string summary;        // one line: "writable, 12.3 GiB free at /var/crash"
    uint64_t free_bytes = 0;    // 0 when unknown
    bool free_known = false;
};

class Sink {
public:
    virtual ~Sink() = default;

    // Write `data` at byte `offset` of the dump. Only for SinkOp::write_at plugins.
    virtual Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept {
        (void)offset, (void)data, (void)opts;
        return Status::error(Code::not_supported, "write_at is not implemented by this transport");
    }
    // Write `data` after everything written so far. Only for SinkOp::append plugins.
    virtual Status append(std::span<const std::byte> data, const CallOptions& opts) noexcept {
        (void)data, (void)opts;
        return Status::error(Code::not_supported, "append is not implemented by this transport");
    }
    // Store a small side file (`name` is a plain file name, e.g. "vmcore-dmesg.txt") next to the
    // dump. Called before the first data write, and after it (before commit) only for what the dump
    // taught (vmcore-unreadable.txt); a plugin may refuse that late call, and the core then warns.
    // kdf::SinkBase refuses it unless the sink overrides side_files_after_data().
    virtual Status put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) noexcept = 0;
    // Make the dump durable and give it its final name. After ok, the dump is complete.
    virtual Status commit(const CallOptions& opts) noexcept = 0;
    // Stop; leave everything written so far, marked incomplete. Safe to call after a failed call.
    virtual Status abort(const CallOptions& opts) noexcept = 0;
    // Where the dump is, for people: "/var/crash/node1-2026-11-23-19:04:05/vmcore". Before commit()
    // it names the incomplete file.
    virtual const std::string& location() const noexcept = 0;
};

class Transport {
public:
    virtual ~Transport() = default;

    // Name, version, capabilities, option schema. Must not fail; the reference stays valid for the
    // Transport's lifetime.
    virtual const Description& describe() const noexcept = 0;

    // Cross-field validation of a target whose keys already passed the schema (types, choices,
    // required keys, defaults applied). No I/O. Errors should name target.where_of(key).
    virtual Status check(const TargetConfig& target) const noexcept = 0;

    // Dry run on the live system. Returns what it found, or why the target would fail now.
    virtual Result<ProbeReport> probe(const TargetConfig& target, const CallOptions& opts) noexcept = 0;

    // Start a dump: connect, authenticate, create the incomplete dump. The returned Sink is used in
    // the same process and destroyed before this Transport.
    virtual Result<std::unique_ptr<Sink>> open(const TargetConfig& target, const DumpInfo& dump,
                                               const CallOptions& opts) noexcept = 0;

    // The capabilities of one configured target (one that passed check()): TransportCap bits, a
    // subset of describe().caps, which is the most any target of this type offers. A transport
    // whose targets differ by option clears what a target cannot do (a stream target clears
    // positional_write). The core picks and validates the dump format from this, never from
    // describe().caps. A target without positional_write still gets the hook in
    // Description::ops: append, or write_at at contiguous offsets front to back.
    virtual uint32_t capabilities(const TargetConfig& target) const noexcept {
        (void)target;
        return describe().caps;
    }

    // What the initramfs must hold for this target (one that passed check()); no I/O. The default,
    // nothing, suits a target that needs only the plugin and the network its caps declare.
    virtual Result<CrashKernelNeeds> crash_kernel_needs(const TargetConfig& target) const noexcept {
        (void)target;
        return CrashKernelNeeds{};
    }
};

}  // namespace kdf
