// directory_sink.cpp - mode dir of the `local` transport.
#include "directory_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "directory_store.h"
#include "file_util.h"
#include "kdf/names.h"
#include "kdf/reserve.h"
#include "kdf/size_text.h"
#include "mount_point.h"

namespace kdf::local {

namespace {

bool exists_at(int dir_fd, const std::string& name) {
    struct stat st {};
    return ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// <path>/<dir_name>, created 0700, or an existing one that holds no finished dump yet.
Result<UniqueFd> make_dump_dir(int parent_fd, const std::string& dump_dir, const std::string& dir_name,
                               const std::string& final_name) {
    bool created = ::mkdirat(parent_fd, dir_name.c_str(), 0700) == 0;
    if (!created && errno != EEXIST) return Status::from_errno(errno, "local: create directory " + dump_dir);
    UniqueFd fd(::openat(parent_fd, dir_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "local: open directory " + dump_dir);
    if (!created) {
        // Another attempt of ours made it 0700; one that someone else owns or may enter was planted
        // (or is another program's): a dump holds secrets, so it does not go in there.
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) return Status::from_errno(errno, "local: stat " + dump_dir);
        if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
            char mode[16];
            std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
            return Status::error(Code::invalid_config, "local: " + dump_dir + " already exists, owned by uid " +
                                                           std::to_string(st.st_uid) + " with mode " + mode +
                                                           "; a dump directory must be ours and 0700: not writing there");
        }
        for (const std::string& name : finished_dump_names(final_name))
            if (exists_at(fd.get(), name)) return dump_exists_error("local", dump_dir, name);
    }
    return fd;
}

}  // namespace

Result<std::unique_ptr<Sink>> DirectorySink::open(const LocalOptions& options, const DumpInfo& dump,
                                                  const CallOptions& opts) {
    if (Status s = check_dump_names("local", dump); !s.is_ok()) return s;
    const std::string& path = options.path;

    if (Status s = check_deadline(opts, "checking " + path); !s.is_ok()) return s;
    if (Status s = check_target_directory(path); !s.is_ok()) return s;

    if (!options.mount_point.empty()) {
        if (Status s = check_deadline(opts, "checking mount point " + options.mount_point); !s.is_ok()) return s;
        if (Status s = check_mount_point(options.mount_point, path); !s.is_ok()) return s;
    }

    // Retention first, so the reserve check below sees the space it made.
    DirectoryStore store(path);
    Result<std::vector<std::string>> removed = apply_retention(store, options.retention, dump.host, "local", path, opts);
    if (!removed.is_ok()) return removed.take_status();

    if (Status s = check_deadline(opts, "checking free space at " + path); !s.is_ok()) return s;
    Result<uint64_t> free = free_bytes(path);
    if (!free.is_ok()) return free.take_status();
    if (Status s = check_reserve("local", free.value(), options.reserve, path); !s.is_ok()) return s;

    if (Status s = check_deadline(opts, "creating the dump directory"); !s.is_ok()) return s;
    UniqueFd parent(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return Status::from_errno(errno, "local: open directory " + path);
    const std::string dump_dir = path + "/" + dump.dir_name;
    Result<UniqueFd> dir = make_dump_dir(parent.get(), dump_dir, dump.dir_name, dump.final_name);
    if (!dir.is_ok()) return dir.take_status();

    const std::string incomplete_path = dump_dir + "/" + std::string(incomplete_dump_name);
    if (Status s = check_deadline(opts, "creating " + incomplete_path); !s.is_ok()) return s;
    // O_EXCL: an incomplete dump an earlier attempt left is evidence, never truncated.
    UniqueFd file(::openat(dir.value().get(), incomplete_dump_name.data(),
                           O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!file) return Status::from_errno(errno, "local: create " + incomplete_path);

    // Make the new names durable, so a crash right now still leaves a recognisable incomplete dump.
    if (Status s = sync_fd(dir.value().get(), dump_dir); !s.is_ok()) return s;
    if (Status s = sync_fd(parent.get(), path); !s.is_ok()) return s;

    return std::unique_ptr<Sink>(std::make_unique<DirectorySink>(dump_dir, std::move(dir.value()), std::move(file),
                                                                 dump.final_name, options.fsync));
}

DirectorySink::DirectorySink(std::string dir_path, UniqueFd dir_fd, UniqueFd file_fd, std::string final_name,
                             bool fsync)
    : SinkBase("local", std::move(final_name), dir_path + "/" + std::string(incomplete_dump_name)),
      dir_path_(std::move(dir_path)),
      dir_fd_(std::move(dir_fd)),
      file_fd_(std::move(file_fd)),
      fsync_(fsync) {
    if (fsync_) writeback_ = BackgroundSync(file_fd_.get());
}

// Local steps cannot hang on a server; the bound only matters for a very slow disk.
DirectorySink::~DirectorySink() { abort_if_writing(std::chrono::seconds(5)); }

Status DirectorySink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    if (Status s = check_deadline(opts, "writing " + location()); !s.is_ok()) return s;
    // ENOSPC comes back as Code::no_space; the file stays as it is for the next look.
    Status s = pwrite_full(file_fd_.get(), data.data(), data.size(), offset, ("local: write " + location()).c_str());
    if (s.is_ok()) writeback_.wrote(data.size());
    return s;
}

Status DirectorySink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    if (Status s = check_deadline(opts, "writing " + dir_path_ + "/" + std::string(name)); !s.is_ok()) return s;
    if (Status s = write_file_replacing(dir_fd_.get(), dir_path_, name, data, fsync_); !s.is_ok()) return s;
    return fsync_ ? sync_fd(dir_fd_.get(), dir_path_) : Status::ok();
}

Status DirectorySink::do_commit(const CallOptions& opts) {
    if (Status s = check_deadline(opts, "committing " + location()); !s.is_ok()) return s;
    if (fsync_) {
        if (Status s = writeback_.finish(); !s.is_ok()) return s.with_context("local: " + location());
        if (Status s = sync_fd(file_fd_.get(), location()); !s.is_ok()) return s;
    }
    // From here on the file is closed whatever happens; a failure leaves it as vmcore-incomplete.
    if (Status s = file_fd_.close(("local: close " + location()).c_str()); !s.is_ok()) return s;
    const std::string what = "local: rename " + location() + " to " + final_name();
    if (Status s = rename_no_replace(dir_fd_.get(), incomplete_dump_name.data(), final_name().c_str(), what);
        !s.is_ok())
        return s;
    set_location(dir_path_ + "/" + final_name());
    // The rename is only durable once the directory is.
    return sync_fd(dir_fd_.get(), dir_path_);
}

Status DirectorySink::do_abort(const CallOptions&) {
    if (!file_fd_) return Status::ok();  // a commit that failed after closing the file: nothing to stop
    (void)writeback_.finish();  // the helper must not outlive the fd; the dump stays incomplete anyway
    Status closed = file_fd_.close(("local: close " + location()).c_str());
    (void)sync_fd(dir_fd_.get(), dir_path_);  // best effort: the name is already there
    return closed;
}

}  // namespace kdf::local
