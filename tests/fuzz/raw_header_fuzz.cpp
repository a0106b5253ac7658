// tests/fuzz/raw_header_fuzz.cpp - the raw-target header (kdf/raw_dump_header.h) and `save`, which
// turns a dump left on a raw device back into files.
//
// The input is the start of a raw volume: header, side files, dump data. It is decoded as it is
// (the checksum guards it), and again with its checksum made right so the fuzzer reaches the field
// checks behind it. A header that decodes must encode to one that decodes to the same fields.
// save_raw_dump() then runs on the volume (with --force, so incomplete dumps are extracted too) and
// must create nothing outside its output directory whatever names the header holds, and after a
// failure no file with the dump's final name may exist: it would look like a complete dump.
// Seeds: headers our local raw mode writes, built here from a few representative Header values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/format/raw_save.h"
#include "fuzz_files.h"
#include "kdf/raw_dump_header.h"

namespace {

bool same(const kdf::raw::Header& a, const kdf::raw::Header& b) {
    if (a.state != b.state || a.data_offset != b.data_offset || a.data_length != b.data_length ||
        a.started != b.started || a.finished != b.finished || a.host != b.host || a.dump_name != b.dump_name ||
        a.final_name != b.final_name || a.format != b.format || a.side_files.size() != b.side_files.size())
        return false;
    for (size_t i = 0; i < a.side_files.size(); ++i) {
        const auto &x = a.side_files[i], &y = b.side_files[i];
        if (x.name != y.name || x.offset != y.offset || x.length != y.length) return false;
    }
    return true;
}

void check_round_trip(const kdf::raw::Header& h) {
    const std::vector<std::byte> encoded = kdf::raw::encode(h);
    if (encoded.empty()) kdf::fuzz::broken("a decoded header does not encode");
    kdf::raw::DecodeError error;
    auto again = kdf::raw::decode(encoded, error);
    if (!again || !same(h, *again)) kdf::fuzz::broken("encode + decode changed the header");
}

void check_save(const std::vector<uint8_t>& volume, const kdf::raw::Header& h) {
    const kdf::fuzz::MemoryFile file(volume);
    const kdf::fuzz::ScratchDir scratch;
    const std::string out = scratch.path() + "/out";
    std::filesystem::create_directory(out);
    kdf::format::SaveOptions opts;
    opts.force = true;
    auto saved = kdf::format::save_raw_dump(file.path(), out, opts);
    for (const auto& entry : std::filesystem::directory_iterator(scratch.path()))
        if (entry.path().filename() != "out") kdf::fuzz::broken("save wrote outside its output dir", entry.path());
    if (!saved.is_ok() && !h.dump_name.empty() && !h.final_name.empty() &&
        std::filesystem::exists(out + "/" + h.dump_name + "/" + h.final_name) &&
        h.final_name.find('/') == std::string::npos && h.dump_name.find('/') == std::string::npos)
        kdf::fuzz::broken("a failed save left a file that looks like the complete dump", saved.status().to_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    kdf::raw::DecodeError error;
    (void)kdf::raw::decode(kdf::fuzz::as_bytes(data, size), error);
    (void)kdf::raw::to_string(error);
    if (size < kdf::raw::header_size) return 0;

    std::vector<uint8_t> volume(data, data + size);
    const uint32_t crc = kdf::raw::crc32(kdf::fuzz::as_bytes(volume.data(), 4092));
    kdf::raw::detail::put_u32(reinterpret_cast<std::byte*>(volume.data()) + 4092, crc);
    auto header = kdf::raw::decode(kdf::fuzz::as_bytes(volume.data(), volume.size()), error);
    if (!header) return 0;
    check_round_trip(*header);
    check_save(volume, *header);
    return 0;
}
