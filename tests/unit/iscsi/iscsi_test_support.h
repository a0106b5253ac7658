// iscsi_test_support.h - small helpers shared by the iscsi tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/raw_dump_header.h"
#include "kdf/transport.h"

namespace kdf_test {

inline kdf::TargetConfig iscsi_target(std::map<std::string, std::string> keys) {
    kdf::TargetConfig t;
    t.name = "san";
    t.type = "iscsi";
    t.where = "test.conf:1";
    int line = 2;
    for (auto& [k, v] : keys) t.options[k] = kdf::OptionValue{v, "test.conf:" + std::to_string(line++)};
    return t;
}

inline kdf::DumpInfo iscsi_dump_info(uint64_t size_hint = 0, const std::string& host = "node1") {
    kdf::DumpInfo d;
    d.host = host;
    d.dir_name = host + "-2026-11-23-19:04:05";
    d.final_name = "vmcore";
    d.format = "kdump";
    d.size_hint = size_hint;
    d.started_unix = 1'795'000'000;
    return d;
}

inline std::vector<std::byte> pattern_bytes(size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x = x * 1664525u + 1013904223u;
        b = static_cast<std::byte>(x >> 24);
    }
    return v;
}

inline std::vector<std::byte> file_bytes(const std::string& path, uint64_t offset = 0, uint64_t length = UINT64_MAX) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::vector<char> c;
    if (length == UINT64_MAX) c.assign(std::istreambuf_iterator<char>(in), {});
    else {
        c.resize(length);
        in.read(c.data(), static_cast<std::streamsize>(length));
        c.resize(static_cast<size_t>(in.gcount()));
    }
    std::vector<std::byte> out(c.size());
    for (size_t i = 0; i < c.size(); ++i) out[i] = static_cast<std::byte>(c[i]);
    return out;
}

// True when the LUN starts with a valid raw dump header.
inline bool has_header(const std::string& backing) {
    auto block = file_bytes(backing, 0, kdf::raw::header_size);
    kdf::raw::DecodeError err{};
    return kdf::raw::decode(block, err).has_value();
}

// The header at the start of the LUN (a default one, state writing, when there is none: check
// has_header() first where that matters).
inline kdf::raw::Header header_of(const std::string& backing) {
    auto block = file_bytes(backing, 0, kdf::raw::header_size);
    kdf::raw::DecodeError err{};
    return kdf::raw::decode(block, err).value_or(kdf::raw::Header{});
}

}  // namespace kdf_test
