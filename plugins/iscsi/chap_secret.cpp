// chap_secret.cpp - root-only CHAP secret files (see chap_secret.h).
#include "chap_secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "kdf/unique_fd.h"

namespace kdf::iscsi {

namespace {

Status check_stat(const struct stat& st, const std::string& path, const char* key) {
    if (!S_ISREG(st.st_mode))
        return Status::error(Code::invalid_config, std::string("iscsi: ") + key + " " + path + " is not a regular file");
    if (st.st_uid != ::geteuid())
        return Status::error(Code::invalid_config, std::string("iscsi: ") + key + " " + path + " is owned by uid " +
                                                       std::to_string(st.st_uid) + ", not by uid " +
                                                       std::to_string(::geteuid()) + " that reads it");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return Status::error(Code::invalid_config, std::string("iscsi: ") + key + " " + path + " has mode " + mode +
                                                       ": group or others may access it; a CHAP secret must be "
                                                       "readable by its owner only (chmod 600 " + path + ")");
    }
    return Status::ok();
}

}  // namespace

Status check_chap_secret_file(const std::string& path, const char* key) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::from_errno(errno, std::string("iscsi: ") + key + " " + path);
    return check_stat(st, path, key);
}

Result<Secret> read_chap_secret(const std::string& path, const char* key) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return Status::from_errno(errno, std::string("iscsi: ") + key + " " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, std::string("iscsi: ") + key + " " + path);
    if (Status s = check_stat(st, path, key); !s.is_ok()) return s;  // checked on the open file: no race
    char buf[512];
    ssize_t n;
    do n = ::read(fd.get(), buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n < 0) return Status::from_errno(errno, std::string("iscsi: read ") + key + " " + path);
    // The whole file's bytes go straight into a wiping holder, before any check can return early.
    const Secret file(buf, static_cast<size_t>(n));
    volatile char* p = buf;
    for (size_t i = 0; i < sizeof buf; ++i) p[i] = 0;
    const std::string_view text(file.c_str(), static_cast<size_t>(n));
    const std::string_view line = text.substr(0, text.find_first_of("\r\n"));
    if (line.size() > 255)
        return Status::error(Code::invalid_config, std::string("iscsi: ") + key + " " + path +
                                                       ": the secret's line is longer than 255 bytes");
    Secret secret(line.data(), line.size());
    if (secret.empty())
        return Status::error(Code::invalid_config, std::string("iscsi: ") + key + " " + path + " holds no secret on its first line");
    return secret;
}

}  // namespace kdf::iscsi
