// raw_device_target.cpp - reading back a dump from a raw device's header and data region.
#include "tests/conformance/raw_device_target.h"

#include <fcntl.h>
#include <unistd.h>

#include "kdf/raw_dump_header.h"
#include "kdf/unique_fd.h"

namespace kdf::conformance {

namespace {

std::optional<Bytes> read_at(const std::string& device, uint64_t offset, uint64_t size) {
    UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    Bytes out(size);
    uint64_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd.get(), out.data() + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        done += static_cast<uint64_t>(n);
    }
    return out;
}

// The header of the dump named `dump`, or nullopt when the device holds another one or none.
std::optional<raw::Header> header_of(const std::string& device, const DumpInfo& dump) {
    auto block = read_at(device, 0, raw::header_size);
    if (!block) return std::nullopt;
    raw::DecodeError err{};
    auto h = raw::decode(*block, err);
    if (!h || h->dump_name != dump.dir_name) return std::nullopt;
    return h;
}

}  // namespace

std::optional<Bytes> RawDeviceTarget::final_dump(const DumpInfo& dump) const {
    auto h = header_of(device(), dump);
    if (!h || h->state != raw::State::complete || h->final_name != dump.final_name) return std::nullopt;
    return read_at(device(), h->data_offset, h->data_length);
}

std::optional<Bytes> RawDeviceTarget::incomplete_dump(const DumpInfo& dump, uint64_t size) const {
    auto h = header_of(device(), dump);
    if (!h || (h->state != raw::State::writing && h->state != raw::State::aborted)) return std::nullopt;
    return read_at(device(), h->data_offset, size);
}

std::optional<Bytes> RawDeviceTarget::side_file(const DumpInfo& dump, const std::string& name) const {
    auto h = header_of(device(), dump);
    if (!h) return std::nullopt;
    for (const raw::SideFile& f : h->side_files)
        if (f.name == name) return read_at(device(), f.offset, f.length);
    return std::nullopt;
}

}  // namespace kdf::conformance
