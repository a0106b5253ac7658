// mounted_sink.cpp - mode mounted of the `lvm` transport.
#include "mounted_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <chrono>

#include "deadline.h"
#include "kdf/names.h"
#include "kdf/size_text.h"

namespace kdf::lvm {

namespace {

Status sync_fd(int fd, const std::string& what) {
    while (::fsync(fd) != 0)
        if (errno != EINTR) return Status::from_errno(errno, "lvm: fsync " + what);
    return Status::ok();
}

std::string dumps_directory(const LvMount& m, const LvmOptions& o) {
    return o.subdir.empty() ? m.directory() : m.directory() + "/" + o.subdir;
}

}  // namespace

Result<ProbeReport> probe_mounted(const LvmOptions& options, const CallOptions& opts) {
    Result<LvMount> m = LvMount::mount(options, opts);
    if (!m.is_ok()) return m.take_status();
    const std::string dir = dumps_directory(m.value(), options);
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) != 0) return Status::from_errno(errno, "lvm: " + dir + " (on " + m->node() + ")");
    ProbeReport r;
    r.free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
    r.free_known = true;
    r.summary = m->node() + (m->mounted_here() ? " mounts" : " is mounted") + " on " + m->directory() + ", " +
                size_text(r.free_bytes) + " free at " + dir;
    return r;
}

Result<std::unique_ptr<Sink>> MountedSink::open(const LvmOptions& options, const DumpInfo& dump,
                                                const CallOptions& opts) {
    if (Status s = check_dump_names("lvm", dump); !s.is_ok()) return s;
    Result<LvMount> m = LvMount::mount(options, opts);
    if (!m.is_ok()) return m.take_status();
    const std::string parent_path = dumps_directory(m.value(), options);
    UniqueFd parent(::open(parent_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return Status::from_errno(errno, "lvm: open directory " + parent_path + " (on " + m->node() + ")");

    if (Status s = check_deadline(opts, "creating the dump directory"); !s.is_ok()) return s;
    const std::string dump_dir = parent_path + "/" + dump.dir_name;
    const bool created = ::mkdirat(parent.get(), dump.dir_name.c_str(), 0700) == 0;
    if (!created && errno != EEXIST) return Status::from_errno(errno, "lvm: create directory " + dump_dir);
    UniqueFd dir(::openat(parent.get(), dump.dir_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return Status::from_errno(errno, "lvm: open directory " + dump_dir);
    for (const std::string& name : finished_dump_names(dump.final_name)) {
        struct stat st {};
        if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
            return dump_exists_error("lvm", dump_dir, name);
    }
    // O_EXCL: an incomplete dump an earlier attempt left is evidence, never truncated.
    UniqueFd file(::openat(dir.get(), incomplete_dump_name.data(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                           0600));
    if (!file) return Status::from_errno(errno, "lvm: create " + dump_dir + "/" + std::string(incomplete_dump_name));
    if (Status s = sync_fd(dir.get(), dump_dir); !s.is_ok()) return s;
    if (Status s = sync_fd(parent.get(), parent_path); !s.is_ok()) return s;
    return std::unique_ptr<Sink>(std::make_unique<MountedSink>(std::move(m.value()), dump_dir, std::move(dir),
                                                               std::move(file), dump.final_name));
}

MountedSink::MountedSink(LvMount mount, std::string dir_path, UniqueFd dir_fd, UniqueFd file_fd, std::string final_name)
    : SinkBase("lvm", std::move(final_name), dir_path + "/" + std::string(incomplete_dump_name)),
      mount_(std::move(mount)),
      dir_path_(std::move(dir_path)),
      dir_fd_(std::move(dir_fd)),
      file_fd_(std::move(file_fd)) {}

MountedSink::~MountedSink() { abort_if_writing(std::chrono::seconds(5)); }

Status MountedSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    if (Status s = check_deadline(opts, "writing " + location()); !s.is_ok()) return s;
    return pwrite_full(file_fd_.get(), data.data(), data.size(), offset, ("lvm: write " + location()).c_str());
}

Status MountedSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    const std::string final_path = dir_path_ + "/" + std::string(name);
    if (Status s = check_deadline(opts, "writing " + final_path); !s.is_ok()) return s;
    const std::string temp = "." + std::string(name) + ".tmp";
    UniqueFd fd(::openat(dir_fd_.get(), temp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return Status::from_errno(errno, "lvm: create " + dir_path_ + "/" + temp);
    Status s = pwrite_full(fd.get(), data.data(), data.size(), 0, ("lvm: write " + final_path).c_str());
    if (s.is_ok()) s = sync_fd(fd.get(), final_path);
    if (s.is_ok()) s = fd.close(("lvm: close " + final_path).c_str());
    if (s.is_ok() && ::renameat(dir_fd_.get(), temp.c_str(), dir_fd_.get(), std::string(name).c_str()) != 0)
        s = Status::from_errno(errno, "lvm: rename " + temp + " to " + final_path);
    if (!s.is_ok()) {
        ::unlinkat(dir_fd_.get(), temp.c_str(), 0);  // only our temporary
        return s;
    }
    return sync_fd(dir_fd_.get(), dir_path_);
}

Status MountedSink::do_commit(const CallOptions& opts) {
    if (Status s = check_deadline(opts, "committing " + location()); !s.is_ok()) return s;
    if (Status s = sync_fd(file_fd_.get(), location()); !s.is_ok()) return s;
    if (Status s = file_fd_.close(("lvm: close " + location()).c_str()); !s.is_ok()) return s;
    const std::string what = "lvm: rename " + location() + " to " + final_name();
    if (Status s = rename_no_replace(dir_fd_.get(), incomplete_dump_name.data(), final_name().c_str(), what); !s.is_ok())
        return s;
    set_location(dir_path_ + "/" + final_name());
    if (Status s = sync_fd(dir_fd_.get(), dir_path_); !s.is_ok()) return s;
    dir_fd_.reset();
    // The dump is complete and durable: an unmount that fails (and falls back to a lazy one)
    // changes nothing about it, so it does not fail the commit.
    (void)mount_.unmount();
    return Status::ok();
}

Status MountedSink::do_abort(const CallOptions&) {
    Status closed = file_fd_ ? file_fd_.close(("lvm: close " + location()).c_str()) : Status::ok();
    if (dir_fd_) (void)sync_fd(dir_fd_.get(), dir_path_);  // best effort: the name is already there
    dir_fd_.reset();
    Status unmounted = mount_.unmount();
    return closed.is_ok() ? unmounted : closed;
}

}  // namespace kdf::lvm
