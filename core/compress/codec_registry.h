// core/compress/codec_registry.h - every page codec, by name (config, command line) and by the
// on-disk page flag (readers).
//
// Explicit by design: the constructor calls register_<name>_codec() for each codec in one visible
// list (codec_registry.cpp); there is no static-initialisation self-registration. A duplicate name
// or flag is a startup logic error that add() reports.
//
// builtin_codecs() is the one registry the program uses (config checks, writers, readers, convert);
// tests build their own to exercise add().
//
// Ownership and threads: create() returns a Codec the caller owns. The registry is immutable after
// construction apart from add(); const calls may run from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/compress/codec.h"
#include "kdf/status.h"

namespace kdf::compress {

class CodecRegistry {
public:
    // One codec's registration: data the registry checks levels against, and its factory.
    struct Entry {
        std::string name;          // lower case, as written in configs: "zstd"
        uint32_t kdump_flag = 0;   // page_desc.flags of its pages (0 = stored raw)
        int min_level = 0;         // accepted levels, inclusive
        int max_level = 0;
        int default_level = 0;     // used when create() gets no level
        std::string level_note;    // appended to a bad-level error, e.g. "(lz4 acceleration)"
        // Makes a codec at an already checked level. Allocation failure is an error, not a throw.
        Result<std::unique_ptr<Codec>> (*make)(int level) noexcept = nullptr;
    };

    // Registers none, zlib, lzo, lz4 and zstd, in that order. A built-in registration that fails
    // (a clash: a bug) is kept in status() and returned by every create() call, never thrown.
    CodecRegistry();

    const Status& status() const noexcept { return startup_; }

    // Code::invalid_config for an unknown name ("unknown compression 'x'; known: none, zlib, ...")
    // or a level outside the codec's range (the message gives the range).
    Result<std::unique_ptr<Codec>> create(std::string_view name, std::optional<int> level = {}) const;

    // For readers: the codec whose pages carry `kdump_flag`, at its default level. Snappy (0x4,
    // makedumpfile -p) is Code::not_supported; any other unknown value is Code::corrupt.
    Result<std::unique_ptr<Codec>> create_for_flag(uint32_t kdump_flag) const;

    // Registered names, in registration order.
    std::vector<std::string> names() const;

    // Adds a codec. Refused (Code::invalid_config, naming the clash): an empty name, a name or flag
    // already registered, no factory, or default_level outside [min_level, max_level].
    Status add(Entry entry);

private:
    const Entry* find_name(std::string_view name) const noexcept;
    const Entry* find_flag(uint32_t flag) const noexcept;
    std::string known_names() const;

    std::vector<Entry> entries_;
    Status startup_;
};

// The built-in codecs, registered once on first use (thread-safe: a function-local static) and
// never changed afterwards.
const CodecRegistry& builtin_codecs();

// Each defined in its codec's file (none_codec.cpp, zlib_codec.cpp, ...).
Status register_none_codec(CodecRegistry& registry);
Status register_zlib_codec(CodecRegistry& registry);
Status register_lzo_codec(CodecRegistry& registry);
Status register_lz4_codec(CodecRegistry& registry);
Status register_zstd_codec(CodecRegistry& registry);

}  // namespace kdf::compress
