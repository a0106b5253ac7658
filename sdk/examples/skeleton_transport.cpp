// skeleton_transport.cpp - a complete, minimal transport: it streams the dump into a file.
//
// It shows every hook of the contract (kdf/transport.h) in lifecycle order. Copy the shape, not
// the behaviour: a real transport would talk to a server. This one writes
//   <dir>/<dump dir name>/vmcore-incomplete   while the dump streams in (append),
//   <dir>/<dump dir name>/vmcore              after commit (fsync, then rename),
// so it needs only libc and is easy to watch working.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "kdf/sdk.h"

namespace {

// The Sink: one dump in progress. Stream-only (SinkOp::append): the core sends the flattened format.
// It derives from kdf::SinkBase, which implements the public Sink calls: the order they may come
// in, exceptions, stage labels and side-file name checks are handled there (kdf/sink_base.h).
// The do_* hooks only do the I/O.
class SkeletonSink final : public kdf::SinkBase {
public:
    SkeletonSink(std::string dir, std::string final_name, kdf::UniqueFd fd)
        : SinkBase("skeleton", std::move(final_name), dir + "/" + std::string(kdf::incomplete_dump_name)),
          dir_(std::move(dir)), fd_(std::move(fd)) {}

    // A sink destroyed before commit() (the attempt gave up) must leave an incomplete dump, as
    // abort() would; SinkBase cannot do it from its own destructor, so the derived one asks.
    ~SkeletonSink() override { abort_if_writing(std::chrono::seconds(5)); }

private:
    kdf::Status do_append(std::span<const std::byte> data, const kdf::CallOptions& opts) override {
        if (opts.expired()) return kdf::Status::error(kdf::Code::timeout, "skeleton: deadline passed before write");
        return kdf::write_full(fd_.get(), data.data(), data.size(), "skeleton: write vmcore-incomplete");
    }

    // `name` is already checked: a plain name that is not one of the dump's own.
    kdf::Status do_put_file(std::string_view name, std::span<const std::byte> data, const kdf::CallOptions&) override {
        std::string path = dir_ + "/" + std::string(name);
        kdf::UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!f) return kdf::Status::from_errno(errno, "skeleton: create " + path);
        if (kdf::Status s = kdf::write_full(f.get(), data.data(), data.size(), "skeleton: write side file"); !s.is_ok())
            return s;
        return f.close("skeleton: close side file");
    }

    kdf::Status do_commit(const kdf::CallOptions&) override {
        if (::fsync(fd_.get()) != 0) return kdf::Status::from_errno(errno, "skeleton: fsync " + location());
        if (kdf::Status s = fd_.close("skeleton: close"); !s.is_ok()) return s;
        std::string final_path = dir_ + "/" + final_name();
        // Never over a finished dump: a name that exists already makes the commit fail instead.
        if (kdf::Status s = kdf::rename_no_replace(AT_FDCWD, location().c_str(), final_path.c_str(),
                                                   "skeleton: rename to " + final_path);
            !s.is_ok())
            return s;
        set_location(final_path);
        return kdf::Status::ok();
    }

    // Also called after a commit that failed part-way: release only what is still held.
    kdf::Status do_abort(const kdf::CallOptions&) override {
        fd_.reset();  // keep vmcore-incomplete: an incomplete dump is still evidence
        return kdf::Status::ok();
    }

    std::string dir_;
    kdf::UniqueFd fd_;
};

class SkeletonTransport final : public kdf::Transport {
public:
    SkeletonTransport() {
        desc_.name = "skeleton";
        desc_.version = "1.0.0";
        desc_.summary = "example: streams the dump into a file under a directory";
        desc_.caps = static_cast<uint32_t>(kdf::TransportCap::atomic_commit) | kdf::TransportCap::durable_sync;
        desc_.ops = static_cast<uint32_t>(kdf::SinkOp::append);
        desc_.options = {
            {"dir", kdf::OptionType::path, true, "", "existing directory the dump goes under", ""},
        };
    }

    const kdf::Description& describe() const noexcept override { return desc_; }

    kdf::Status check(const kdf::TargetConfig& target) const noexcept override {
        return kdf::guarded("skeleton", [&] {
            if (!target.get("dir").starts_with("/"))
                return kdf::Status::error(kdf::Code::invalid_config,
                                          target.where_of("dir") + ": skeleton: dir must be an absolute path");
            return kdf::Status::ok();
        });
    }

    kdf::Result<kdf::ProbeReport> probe(const kdf::TargetConfig& target, const kdf::CallOptions&) noexcept override {
        return kdf::guarded("skeleton", [&]() -> kdf::Result<kdf::ProbeReport> {
            std::string dir = target.get("dir");
            if (::access(dir.c_str(), W_OK) != 0) return kdf::Status::from_errno(errno, "skeleton: " + dir + " is not writable");
            return kdf::ProbeReport{"skeleton: " + dir + " is writable", 0, false};
        });
    }

    kdf::Result<std::unique_ptr<kdf::Sink>> open(const kdf::TargetConfig& target, const kdf::DumpInfo& dump,
                                                 const kdf::CallOptions&) noexcept override {
        return kdf::guarded("skeleton", [&]() -> kdf::Result<std::unique_ptr<kdf::Sink>> {
            // The names come from the core, but they become paths: check them before use.
            if (kdf::Status s = kdf::check_dump_names("skeleton", dump); !s.is_ok()) return s;
            std::string dir = target.get("dir") + "/" + dump.dir_name;
            if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
                return kdf::Status::from_errno(errno, "skeleton: mkdir " + dir);
            std::string file = dir + "/" + std::string(kdf::incomplete_dump_name);
            kdf::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            if (!fd) return kdf::Status::from_errno(errno, "skeleton: create " + file);
            return std::unique_ptr<kdf::Sink>(std::make_unique<SkeletonSink>(dir, dump.final_name, std::move(fd)));
        });
    }

private:
    kdf::Description desc_;
};

}  // namespace

KDF_EXPORT_TRANSPORT(SkeletonTransport, "skeleton", "1.0.0")
