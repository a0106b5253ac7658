// kdf/status.h - the one error type every SDK call returns.
//
// Purpose: a Status says whether a call worked and, when it did not, why, in a form the supervisor
// can act on (code, retryable) and print on one line (target, stage, message, errno).
//
// Rendered form, always one line:
//   target 'nfs-a' [connect]: nfs: mount 10.0.0.5:/dumps: Connection refused (ECONNREFUSED)
//
// Rules:
//  - Plugins prefix their own detail with their name ("nfs: ..."); layers above prepend context with
//    with_context() as the error rises; the supervisor adds the target and stage.
//  - Code::system carries an errno; render() appends strerror and the errno name itself.
//  - render() never allocates: it formats into a caller buffer, so an error can still be reported
//    when the crash kernel is out of memory. Building a Status does allocate; if that fails the
//    message degrades to a fixed text instead of throwing.
//  - Not thread-safe per object; copy it to share it.
//  - Status and Result are [[nodiscard]]: an error nobody looks at is a dump that silently went
//    missing. Ignoring one on purpose is spelt `(void)call(...)`, with a comment saying why.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kdf {

// Coarse, closed set: the supervisor decides on these, never on message text.
enum class Code : uint8_t {
    ok,
    system,          // an OS call failed; errno says which
    timeout,         // a deadline passed
    auth,            // authentication or host-key trust failed
    not_found,       // the target, path, export or plugin does not exist
    no_space,        // the target is full (ENOSPC, quota, below reserve)
    corrupt,         // input or on-target data is malformed
    not_supported,   // the operation or option is not available here
    invalid_config,  // the configuration is wrong; fixing it is the user's job
};

// Where in an attempt the error happened: config and load before the plugin runs, then the
// transport's own stages (connect, auth, open, write, commit, abort; docs/plugins/README.md says
// which stage each plugin operation belongs to).
enum class Stage : uint8_t { none, config, load, probe, connect, auth, open, write, commit, abort };

inline const char* to_string(Code c) noexcept {
    switch (c) {
    case Code::ok: return "ok";
    case Code::system: return "system";
    case Code::timeout: return "timeout";
    case Code::auth: return "auth";
    case Code::not_found: return "not_found";
    case Code::no_space: return "no_space";
    case Code::corrupt: return "corrupt";
    case Code::not_supported: return "not_supported";
    case Code::invalid_config: return "invalid_config";
    }
    return "unknown";
}

inline const char* to_string(Stage s) noexcept {
    switch (s) {
    case Stage::none: return "";
    case Stage::config: return "config";
    case Stage::load: return "load";
    case Stage::probe: return "probe";
    case Stage::connect: return "connect";
    case Stage::auth: return "auth";
    case Stage::open: return "open";
    case Stage::write: return "write";
    case Stage::commit: return "commit";
    case Stage::abort: return "abort";
    }
    return "";
}

class [[nodiscard]] Status {
public:
    Status() noexcept = default;  // ok

    static Status ok() noexcept { return Status(); }

    static Status error(Code code, std::string_view message) noexcept {
        Status s;
        s.code_ = code == Code::ok ? Code::system : code;
        s.set_message(message);
        return s;
    }

    // An OS call failed with `err`. ENOSPC/EDQUOT become no_space, ENOENT not_found, ETIMEDOUT
    // timeout, so callers need not translate the common cases themselves.
    static Status from_errno(int err, std::string_view message) noexcept {
        Code code = Code::system;
        if (err == ENOSPC || err == EDQUOT) code = Code::no_space;
        else if (err == ENOENT) code = Code::not_found;
        else if (err == ETIMEDOUT) code = Code::timeout;
        Status s = error(code, message);
        s.errno_ = err;
        s.retryable_ = err == EINTR || err == EAGAIN || err == ETIMEDOUT || err == ECONNRESET;
        return s;
    }

    bool is_ok() const noexcept { return code_ == Code::ok; }
    Code code() const noexcept { return code_; }
    Stage stage() const noexcept { return stage_; }
    int sys_errno() const noexcept { return errno_; }
    bool retryable() const noexcept { return retryable_; }
    const std::string& target() const noexcept { return target_; }
    const std::string& message() const noexcept { return message_; }

    // Builders: each returns *this so context can be added where the error passes a layer.
    Status& with_stage(Stage s) noexcept {
        if (stage_ == Stage::none) stage_ = s;  // the innermost stage is the true one
        return *this;
    }
    Status& with_target(std::string_view t) noexcept {
        try { target_.assign(t); } catch (...) { target_.clear(); }
        return *this;
    }
    Status& with_retryable(bool r) noexcept {
        retryable_ = r;
        return *this;
    }
    Status& with_errno(int e) noexcept {
        errno_ = e;
        return *this;
    }
    // Prepend "context: " to the message (libkdumpfile's error backtrace, newest outermost).
    Status& with_context(std::string_view context) noexcept {
        if (is_ok() || context.empty()) return *this;
        try {
            std::string m;
            m.reserve(context.size() + 2 + message_.size());
            m.append(context).append(": ").append(message_);
            message_ = std::move(m);
        } catch (...) {
            // keep the inner message: it is the more precise one
        }
        return *this;
    }

    // Writes the one-line form into buf (always NUL-terminated) and returns buf. No allocation.
    const char* render(char* buf, size_t size) const noexcept {
        if (size == 0) return buf;
        if (is_ok()) {
            std::snprintf(buf, size, "ok");
            return buf;
        }
        size_t used = 0;
        auto put = [&](const char* fmt, auto... args) {
            if (used >= size) return;
            int n = std::snprintf(buf + used, size - used, fmt, args...);
            if (n > 0) used += static_cast<size_t>(n);
        };
        if (!target_.empty()) put("target '%s' ", target_.c_str());
        if (stage_ != Stage::none) put("[%s]", kdf::to_string(stage_));
        if (!target_.empty() || stage_ != Stage::none) put("%s", ": ");  // a literal format: clang -Wformat-security
        put("%s", message_.empty() ? kdf::to_string(code_) : message_.c_str());
        if (errno_ != 0) {
            char tmp[128];
            const char* text = strerror_r(errno_, tmp, sizeof tmp);  // GNU variant
            const char* name = strerrorname_np(errno_);
            if (name) put(": %s (%s)", text, name);
            else put(": %s (errno %d)", text, errno_);
        }
        // Multi-line messages would break "one line per error": flatten them.
        for (size_t i = 0; i < used && i < size; ++i)
            if (buf[i] == '\n' || buf[i] == '\r') buf[i] = ' ';
        return buf;
    }

    std::string to_string() const {
        char buf[2048];
        return render(buf, sizeof buf);
    }

private:
    void set_message(std::string_view m) noexcept {
        try {
            message_.assign(m);
        } catch (...) {
            message_.clear();  // render() falls back to the code's name
        }
    }

    Code code_ = Code::ok;
    Stage stage_ = Stage::none;
    bool retryable_ = false;
    int errno_ = 0;
    std::string target_;
    std::string message_;
};

// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}                       // NOLINT: implicit by design
    Result(Status status) : status_(std::move(status)) {                 // NOLINT: implicit by design
        if (status_.is_ok()) status_ = Status::error(Code::system, "internal error: Result built from an ok Status");
    }

    bool is_ok() const noexcept { return value_.has_value(); }
    const Status& status() const noexcept { return status_; }
    Status take_status() noexcept { return std::move(status_); }
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }

private:
    std::optional<T> value_;
    Status status_;
};

}  // namespace kdf
