// chap_secret.h - reading a CHAP secret from a root-only file.
//
// The secret is the file's first line without its line end. The file must be a regular file owned
// by the user we run as (root in the crash kernel), with no group or world permission bits at all:
// a secret others can read is no secret, and refusing it makes the mistake visible at `check` time
// instead of after a breach. Messages name the file and never include any of its content. The
// returned string is wiped when it is destroyed.
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::iscsi {

// A std::string that zeroes its bytes when destroyed or moved from.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string s) : value_(std::move(s)) {}
    // Copies the bytes straight into the holder: no temporary string keeps a copy.
    Secret(const char* bytes, size_t n) : value_(bytes, n) {}
    Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
    Secret& operator=(Secret&& other) noexcept {
        wipe();
        value_ = std::move(other.value_);
        other.wipe();
        return *this;
    }
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    ~Secret() { wipe(); }

    const char* c_str() const noexcept { return value_.c_str(); }
    bool empty() const noexcept { return value_.empty(); }

private:
    void wipe() noexcept {
        volatile char* p = value_.data();
        for (size_t i = 0; i < value_.size(); ++i) p[i] = 0;
        value_.clear();
    }
    std::string value_;
};

// Reads the secret in `path`; `key` names the option for messages ("chap_secret_file").
// Errors: Code::invalid_config for permissions, ownership, an empty or over-long secret;
// Code::not_found / system for open and read failures.
Result<Secret> read_chap_secret(const std::string& path, const char* key);

// Only the permission and ownership checks, for check() and probe() (no content is read).
Status check_chap_secret_file(const std::string& path, const char* key);

}  // namespace kdf::iscsi
