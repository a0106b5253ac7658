// s3_credentials.cpp - reading and checking an `s3` credentials file.
#include "s3_credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "kdf/options.h"
#include "kdf/unique_fd.h"

namespace kdf::s3 {

namespace {

constexpr size_t kMaxFileSize = 64 * 1024;

Status refused(const std::string& path, const std::string& why) {
    return Status::error(Code::auth, "s3: credentials file " + path + ": " + why);
}

}  // namespace

Result<S3Credentials> load_credentials(const std::string& path) {
    // O_NONBLOCK: a FIFO under the name must not hang the open before the S_ISREG check refuses it.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!fd) return Status::from_errno(errno, "s3: credentials file " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "s3: credentials file " + path);
    if (!S_ISREG(st.st_mode)) return refused(path, "not a regular file");
    if (st.st_uid != 0) return refused(path, "owned by uid " + std::to_string(st.st_uid) + ", not root; chown root");
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return refused(path, std::string("mode ") + mode + " lets group or others at the secret; chmod 600");
    }
    if (st.st_size > static_cast<off_t>(kMaxFileSize)) return refused(path, "larger than 64 KiB: not a credentials file");
    std::string text(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::from_errno(errno, "s3: reading credentials file " + path);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    text.resize(got);

    S3Credentials c;
    size_t line_no = 0, at = 0, first_section = 0;
    while (at <= text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string_view line = trim(std::string_view(text).substr(at, end - at));
        ++line_no;
        at = end + 1;
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[') {
            // One set of keys per file: with a second section the last keys would silently win.
            if (first_section)
                return refused(path + ":" + std::to_string(line_no),
                               "a second section " + std::string(line) + " (the first is at line " +
                                   std::to_string(first_section) + "); keep one set of keys per file");
            first_section = line_no;
            continue;
        }
        const size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            return refused(path + ":" + std::to_string(line_no), "expected key = value");
        const std::string key = lower(trim(line.substr(0, eq)));
        const std::string value(trim(line.substr(eq + 1)));
        if (key == "access_key" || key == "aws_access_key_id") c.access_key = value;
        else if (key == "secret_key" || key == "aws_secret_access_key") c.secret_key = value;
        else return refused(path + ":" + std::to_string(line_no), "unknown key '" + key + "' (access_key, secret_key)");
    }
    if (c.access_key.empty()) return refused(path, "no access_key line");
    if (c.secret_key.empty()) return refused(path, "no secret_key line");
    return c;
}

}  // namespace kdf::s3
