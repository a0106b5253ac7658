// tests/fuzz/flattened_fuzz.cpp - the flattened-stream reassembler (`reassemble`, makedumpfile -R).
//
// The input is a flattened stream. Reassembly into memory must end in a clean error or an image;
// an image is flattened again by our writer and reassembled once more, and both images must be
// equal (the round trip the ssh transport's stream mode depends on). The file form must never
// leave an output file behind after an error, so no half-rebuilt dump looks whole.
// Seeds: the shared flattened fixture, cut to its first records, and our writer's streams.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/format/flattened.h"
#include "fuzz_files.h"

namespace {

// Keeps the reassembled file in memory; offsets past a small bound are refused, as a full disk would.
class MemoryImage final : public kdf::format::DumpOutput {
public:
    static constexpr uint64_t kLimit = 4 << 20;
    kdf::Status write_at(uint64_t offset, std::span<const std::byte> data) override {
        if (offset > kLimit || data.size() > kLimit - offset)
            return kdf::Status::error(kdf::Code::no_space, "image bound reached");
        if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size());
        std::memcpy(bytes.data() + offset, data.data(), data.size());
        return kdf::Status::ok();
    }
    std::vector<std::byte> bytes;
};

kdf::Status reassemble(std::span<const std::byte> stream, MemoryImage& image) {
    const kdf::fuzz::MemoryFile file({reinterpret_cast<const uint8_t*>(stream.data()), stream.size()});
    return kdf::format::reassemble_flattened(file.fd(), image);
}

void check_round_trip(const MemoryImage& first) {
    std::vector<std::byte> stream;
    kdf::format::FlattenedOutput writer([&](std::span<const std::byte> b) {
        stream.insert(stream.end(), b.begin(), b.end());
        return kdf::Status::ok();
    });
    if (!writer.write_at(0, first.bytes).is_ok() || !writer.end().is_ok())
        kdf::fuzz::broken("our writer refused a reassembled image");
    MemoryImage second;
    if (!reassemble(stream, second).is_ok() || second.bytes != first.bytes)
        kdf::fuzz::broken("flatten + reassemble changed the image");
}

void check_file_form(const uint8_t* data, size_t size) {
    const kdf::fuzz::MemoryFile file({data, size});
    const kdf::fuzz::ScratchDir dir;
    const std::string out = dir.path() + "/vmcore";
    const kdf::Status s = kdf::format::reassemble_flattened_file(file.path(), out);
    if (!s.is_ok() && std::filesystem::exists(out)) kdf::fuzz::broken("a failed reassemble left OUT", s.to_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)kdf::format::flat::probe_flattened(kdf::fuzz::as_bytes(data, size));
    MemoryImage image;
    const kdf::Status s = reassemble(kdf::fuzz::as_bytes(data, size), image);
    if (s.is_ok()) check_round_trip(image);
    if (!s.is_ok() && s.message().empty()) kdf::fuzz::broken("a refusal without a message");
    // The file form only where the stream stays small on disk (tmpfs holds sparse files, but a
    // record far out still costs a page of page tables per run).
    if (s.is_ok() || s.code() != kdf::Code::no_space) check_file_form(data, size);
    return 0;
}
