// file_sink.cpp - a sink that writes a real file, for SinkBase's tests.
#include "file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <new>
#include <stdexcept>

namespace kdf::test {

FileSink::FileSink(std::string dir, std::string final_name, Calls& calls, bool read_only)
    : SinkBase("test", std::move(final_name), dir + "/" + std::string(incomplete_dump_name)),
      dir_(std::move(dir)),
      fd_(::open(location().c_str(), (read_only ? O_RDONLY : O_WRONLY) | O_CREAT | O_CLOEXEC, 0600)),
      calls_(calls) {}

FileSink::~FileSink() { abort_if_writing(std::chrono::seconds(1)); }

Status FileSink::injected() {
    const Throw t = throw_;
    throw_ = Throw::nothing;
    if (t == Throw::runtime_error) throw std::runtime_error("boom");
    if (t == Throw::bad_alloc) throw std::bad_alloc();
    const Stage s = fail_stage_;
    fail_stage_ = Stage::none;
    if (s != Stage::none) return Status::error(Code::system, "test: injected").with_stage(s);
    return Status::ok();
}

Status FileSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions&) {
    ++calls_.write_at;
    if (Status s = injected(); !s.is_ok()) return s;
    return pwrite_full(fd_.get(), data.data(), data.size(), offset, ("test: write " + location()).c_str());
}

Status FileSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions&) {
    ++calls_.put_file;
    if (Status s = injected(); !s.is_ok()) return s;
    const std::string path = dir_ + "/" + std::string(name);
    UniqueFd f(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!f) return Status::from_errno(errno, "test: create " + path);
    if (Status s = write_full(f.get(), data.data(), data.size(), "test: write side file"); !s.is_ok()) return s;
    return f.close("test: close side file");
}

Status FileSink::do_commit(const CallOptions&) {
    ++calls_.commit;
    if (Status s = injected(); !s.is_ok()) return s;
    if (Status s = fd_.close("test: close"); !s.is_ok()) return s;
    const std::string final_path = dir_ + "/" + final_name();
    if (Status s = rename_no_replace(AT_FDCWD, location().c_str(), final_path.c_str(), "test: rename"); !s.is_ok())
        return s;
    set_location(final_path);
    return Status::ok();
}

Status FileSink::do_abort(const CallOptions&) {
    ++calls_.abort;
    if (Status s = injected(); !s.is_ok()) return s;
    return fd_.close("test: close");
}

}  // namespace kdf::test
