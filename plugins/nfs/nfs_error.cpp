// nfs_error.cpp - libnfs error text and status -> kdf::Status.
#include "nfs_error.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <utility>

namespace kdf::nfs {

int errno_of(int status, std::string_view text) {
    // Last "(-N)" in the text: libnfs formats NFS status errors as "NFS3ERR_NOSPC(-28)".
    size_t at = text.rfind("(-");
    if (at != std::string_view::npos) {
        int e = 0;
        const char* b = text.data() + at + 2;
        const char* end = text.data() + text.size();
        auto [p, ec] = std::from_chars(b, end, e);
        if (ec == std::errc() && p < end && *p == ')' && e > 0) return e;
    }
    // A failed socket read or write: "Read from socket failed, errno:104. Closing socket." (a
    // server killed in the middle of a reply resets the connection).
    if (size_t e_at = text.find("errno:"); e_at != std::string_view::npos) {
        int e = 0;
        const char* b = text.data() + e_at + 6;
        auto [p, ec] = std::from_chars(b, text.data() + text.size(), e);
        if (ec == std::errc() && p != b && e > 0) return e;
    }
    // Socket errors come as strerror text ("rpc_service: socket error Connection refused(111)").
    static const std::pair<const char*, int> socket_texts[] = {
        {"Connection refused", ECONNREFUSED}, {"Connection reset", ECONNRESET}, {"No route to host", EHOSTUNREACH},
        {"Network is unreachable", ENETUNREACH}, {"POLLHUP", ECONNRESET}, {"Broken pipe", EPIPE}};
    for (const auto& [needle, e] : socket_texts)
        if (text.find(needle) != std::string_view::npos) return e;
    return status < 0 && status != -EFAULT ? -status : EIO;
}

bool is_timeout_text(std::string_view text) {
    return text.find("timed out") != std::string_view::npos || text.find("Command was cancelled") != std::string_view::npos;
}

Status nfs_error(std::string_view what, int status, std::string_view text) {
    std::string msg = "nfs: ";
    msg.append(what);
    if (!text.empty()) msg.append(": ").append(text);
    if (is_timeout_text(text) || status == -ETIMEDOUT)
        return Status::error(Code::timeout, msg).with_retryable(true);
    int e = errno_of(status, text);
    // The text already names the NFS status; errno adds the system's words and the Code.
    return Status::from_errno(e, msg);
}

std::string owner_text(uint64_t uid, uint64_t gid, uint64_t mode) {
    char buf[96];
    std::snprintf(buf, sizeof buf, " (owner %llu:%llu, mode %04llo)", static_cast<unsigned long long>(uid),
                  static_cast<unsigned long long>(gid), static_cast<unsigned long long>(mode & 07777));
    return buf;
}

std::string permission_hint(int uid, int gid) {
    std::string h = "the server refused uid " + std::to_string(uid) + " gid " + std::to_string(gid);
    if (uid == 0) h += " (an export with root_squash maps uid 0 to nobody)";
    h += "; make the directory writable by that uid, or set uid/gid to its owner's";
    return h;
}

}  // namespace kdf::nfs
