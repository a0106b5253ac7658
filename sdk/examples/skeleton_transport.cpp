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
#include <string>

#include "kdf/sdk.h"

namespace {

// The Sink: one dump in progress. Stream-only (SinkOp::append): the core sends the flattened format.
class SkeletonSink final : public kdf::Sink {
public:
    SkeletonSink(std::string dir, std::string final_name, kdf::UniqueFd fd)
        : dir_(std::move(dir)), final_name_(std::move(final_name)), fd_(std::move(fd)),
          location_(dir_ + "/vmcore-incomplete") {}

    kdf::Status append(std::span<const std::byte> data, const kdf::CallOptions& opts) noexcept override {
        return kdf::guarded("skeleton", [&] {
            if (opts.expired()) return kdf::Status::error(kdf::Code::timeout, "skeleton: deadline passed before write");
            return kdf::write_full(fd_.get(), data.data(), data.size(), "skeleton: write vmcore-incomplete");
        });
    }

    kdf::Status put_file(std::string_view name, std::span<const std::byte> data, const kdf::CallOptions&) noexcept override {
        return kdf::guarded("skeleton", [&] {
            // The dump file is closed by commit() and abort(): nothing may be added to it after.
            if (!fd_) return kdf::Status::error(kdf::Code::not_supported, "skeleton: put_file after commit or abort");
            std::string path = dir_ + "/" + std::string(name);
            kdf::UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
            if (!f) return kdf::Status::from_errno(errno, "skeleton: create " + path);
            if (kdf::Status s = kdf::write_full(f.get(), data.data(), data.size(), "skeleton: write side file"); !s.is_ok())
                return s;
            return f.close("skeleton: close side file");
        });
    }

    kdf::Status commit(const kdf::CallOptions&) noexcept override {
        return kdf::guarded("skeleton", [&] {
            if (::fsync(fd_.get()) != 0) return kdf::Status::from_errno(errno, "skeleton: fsync " + location_);
            if (kdf::Status s = fd_.close("skeleton: close"); !s.is_ok()) return s;
            std::string final_path = dir_ + "/" + final_name_;
            if (::rename(location_.c_str(), final_path.c_str()) != 0)
                return kdf::Status::from_errno(errno, "skeleton: rename to " + final_path);
            location_ = final_path;
            return kdf::Status::ok();
        });
    }

    kdf::Status abort(const kdf::CallOptions&) noexcept override {
        fd_.reset();  // keep vmcore-incomplete: an incomplete dump is still evidence
        return kdf::Status::ok();
    }

    const std::string& location() const noexcept override { return location_; }

private:
    std::string dir_;
    std::string final_name_;
    kdf::UniqueFd fd_;
    std::string location_;
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
            std::string dir = target.get("dir") + "/" + dump.dir_name;
            if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
                return kdf::Status::from_errno(errno, "skeleton: mkdir " + dir);
            std::string file = dir + "/vmcore-incomplete";
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
