// kdf/sink_base.h - the Sink every plugin should derive from: it owns the rules, the plugin owns the I/O.
//
// The public Sink calls (write_at, append, put_file, commit, abort, location) are implemented here,
// `final`, and call protected do_* hooks (a non-virtual public interface). So every sink written on
// SinkBase follows the same rules without writing them again:
//
//   state        calls allowed                       after
//   writing      put_file, write_at/append, commit,  a failed write_at/append -> failed
//                abort                               commit ok -> committed; commit failed -> failed
//                                                    abort -> aborted
//   failed       abort only; everything else is      abort -> aborted
//                refused with Code::not_supported
//   committed    abort is a no-op returning ok; writes and a second commit are refused
//   aborted      abort is a no-op returning ok; everything else is refused
//
//  - A failed put_file does not fail the sink: a side file is worth less than the dump, and the
//    core goes on without it. put_file after the first data write is refused (some targets place
//    side files in front of the data) unless the sink says side_files_after_data() (its side
//    files are files of their own beside the dump), and so is a name is_side_file_name() rejects
//    (kdf/names.h). The core puts a side file after the data only when it learns something while
//    writing (vmcore-unreadable.txt: memory that could not be read); refused, it is a warning.
//  - commit() twice is an error, not idempotent: a second commit means the caller lost track, and
//    "ok" would hide that. A commit that failed part-way leaves the sink failed: the caller then
//    calls abort(), and do_abort() releases whatever do_commit() had not released yet.
//  - Every hook runs inside guarded(plugin): an exception becomes a Status naming the plugin.
//  - Every failed Status gets a stage (Status::with_stage keeps one the hook already set):
//    opts.stage when the caller gave one, else write (write_at, append, put_file), commit or abort.
//
// Hooks: override exactly one of do_write_at / do_append (the one Description::ops names), and
// do_put_file, do_commit, do_abort. They run only in the states above, so they need no state checks
// of their own, may throw, and return plain Statuses that start with the plugin's name.
//
// Destruction: a sink destroyed while writing (the attempt process gives up, an exception unwinds)
// must leave an incomplete dump behind as abort() would. The base cannot do that from its own
// destructor, because by then the derived part, and with it do_abort(), is gone. So the derived
// class is `final` and its destructor's first statement is
//     abort_if_writing(std::chrono::seconds(5));
// which runs do_abort() with that deadline unless the sink was committed or aborted already.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "kdf/call_helpers.h"
#include "kdf/guard.h"
#include "kdf/names.h"
#include "kdf/status.h"
#include "kdf/transport.h"

namespace kdf {

class SinkBase : public Sink {
public:
    Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept final {
        return data_call("write_at", data.size(), opts, [&] { return do_write_at(offset, data, opts); });
    }

    Status append(std::span<const std::byte> data, const CallOptions& opts) noexcept final {
        return data_call("append", data.size(), opts, [&] { return do_append(data, opts); });
    }

    Status put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) noexcept final {
        Status s = guarded(plugin_, [&]() -> Status {
            if (state_ != State::writing) return refused("put_file");
            if (data_started_ && !side_files_after_data())
                return Status::error(Code::not_supported, std::string(plugin_) +
                                                              ": side files must precede the dump data ('" +
                                                              std::string(name) + "' came after it)");
            if (!is_side_file_name(name, final_name_))
                return Status::error(Code::invalid_config, std::string(plugin_) + ": side file name '" +
                                                               std::string(name) + "' is not a plain file name");
            return do_put_file(name, data, opts);
        });
        return with_call_stage(std::move(s), opts, Stage::write);
    }

    Status commit(const CallOptions& opts) noexcept final {
        Status s;
        if (state_ != State::writing) {
            s = guarded(plugin_, [&] { return refused("commit"); });
        } else {
            s = guarded(plugin_, [&] { return do_commit(opts); });
            state_ = s.is_ok() ? State::committed : State::failed;
        }
        return with_call_stage(std::move(s), opts, Stage::commit);
    }

    Status abort(const CallOptions& opts) noexcept final {
        if (state_ == State::committed || state_ == State::aborted) return Status::ok();
        state_ = State::aborted;
        return with_call_stage(guarded(plugin_, [&] { return do_abort(opts); }), opts, Stage::abort);
    }

    const std::string& location() const noexcept final { return location_; }

protected:
    // `plugin` names the plugin in messages and must outlive the sink (a string literal).
    // `final_name` is DumpInfo::final_name; `location` is where the incomplete dump is, for people.
    SinkBase(const char* plugin, std::string final_name, std::string location)
        : plugin_(plugin), final_name_(std::move(final_name)), location_(std::move(location)) {}

    // Data hooks: exactly one is overridden. Called in state writing only.
    virtual Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
        (void)offset, (void)data, (void)opts;
        return Status::error(Code::not_supported, std::string(plugin_) + ": write_at is not implemented");
    }
    virtual Status do_append(std::span<const std::byte> data, const CallOptions& opts) {
        (void)data, (void)opts;
        return Status::error(Code::not_supported, std::string(plugin_) + ": append is not implemented");
    }
    // `name` already passed is_side_file_name(); no data was written yet, unless
    // side_files_after_data() says true.
    virtual Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) = 0;
    // True when do_put_file() may also run after data was written (each side file is a file of its
    // own, so its place does not depend on the dump's). Default false. This virtual lives in
    // SinkBase, which each plugin compiles into itself; the Sink interface the core calls through
    // is unchanged, so it needs no ABI version of its own.
    virtual bool side_files_after_data() const noexcept { return false; }
    // Durable, then visible under final_name(); call set_location() with the final place.
    virtual Status do_commit(const CallOptions& opts) = 0;
    // Called once, in state writing or failed (also after a do_commit that failed part-way):
    // release what is still held and leave the dump marked incomplete. Never deletes anything.
    virtual Status do_abort(const CallOptions& opts) = 0;

    // For the derived destructor (see the top of this file): aborts within `bound` unless the sink
    // was already committed or aborted.
    void abort_if_writing(Clock::duration bound) noexcept {
        if (state_ != State::writing && state_ != State::failed) return;
        CallOptions opts;
        opts.deadline = Clock::now() + bound;
        (void)abort(opts);
    }

    const char* plugin() const noexcept { return plugin_; }
    const std::string& final_name() const noexcept { return final_name_; }
    void set_location(std::string location) noexcept { location_.swap(location); }

private:
    enum class State { writing, failed, committed, aborted };

    template <class Hook>
    Status data_call(const char* call, size_t bytes, const CallOptions& opts, Hook&& hook) noexcept {
        Status s;
        if (state_ != State::writing) {
            s = guarded(plugin_, [&] { return refused(call); });
        } else {
            // An empty call writes nothing, so side files may still come after it.
            if (bytes != 0) data_started_ = true;
            s = guarded(plugin_, std::forward<Hook>(hook));
            if (!s.is_ok()) state_ = State::failed;
        }
        return with_call_stage(std::move(s), opts, Stage::write);
    }

    Status refused(const char* call) const {
        const char* why = state_ == State::failed      ? "a failed write or commit; only abort() is possible"
                          : state_ == State::committed ? "the dump was committed"
                                                       : "the dump was aborted";
        return Status::error(Code::not_supported,
                             std::string(plugin_) + ": " + call + " after " + why + " (" + location_ + ")");
    }

    const char* plugin_;
    std::string final_name_;
    std::string location_;
    State state_ = State::writing;
    bool data_started_ = false;
};

}  // namespace kdf
