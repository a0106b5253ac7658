// core/compress/codec_registry.cpp - the explicit list of codecs and the checks on lookups.
#include "core/compress/codec_registry.h"

#include <cstdio>

#include "core/compress/kdump_page_flags.h"

namespace kdf::compress {

CodecRegistry::CodecRegistry() {
    // The whole list of codecs. Order = the order names() reports them in.
    for (auto reg : {register_none_codec, register_zlib_codec, register_lzo_codec, register_lz4_codec,
                     register_zstd_codec}) {
        Status s = reg(*this);
        if (!s.is_ok() && startup_.is_ok()) startup_ = s.with_context("codec registry");
    }
}

const CodecRegistry& builtin_codecs() {
    static const CodecRegistry registry;
    return registry;
}

const CodecRegistry::Entry* CodecRegistry::find_name(std::string_view name) const noexcept {
    for (const Entry& e : entries_)
        if (e.name == name) return &e;
    return nullptr;
}

const CodecRegistry::Entry* CodecRegistry::find_flag(uint32_t flag) const noexcept {
    for (const Entry& e : entries_)
        if (e.kdump_flag == flag) return &e;
    return nullptr;
}

std::string CodecRegistry::known_names() const {
    std::string out;
    for (const Entry& e : entries_) {
        if (!out.empty()) out += ", ";
        out += e.name;
    }
    return out;
}

std::vector<std::string> CodecRegistry::names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
}

Status CodecRegistry::add(Entry entry) {
    if (entry.name.empty()) return Status::error(Code::invalid_config, "codec registry: a codec has no name");
    if (!entry.make)
        return Status::error(Code::invalid_config, "codec registry: codec '" + entry.name + "' has no factory");
    if (entry.min_level > entry.max_level || entry.default_level < entry.min_level ||
        entry.default_level > entry.max_level)
        return Status::error(Code::invalid_config,
                             "codec registry: codec '" + entry.name + "' has default level " +
                                 std::to_string(entry.default_level) + " outside its range " +
                                 std::to_string(entry.min_level) + ".." + std::to_string(entry.max_level));
    if (find_name(entry.name))
        return Status::error(Code::invalid_config,
                             "codec registry: codec '" + entry.name + "' is registered twice");
    if (const Entry* other = find_flag(entry.kdump_flag)) {
        char flag[16];
        std::snprintf(flag, sizeof flag, "0x%x", entry.kdump_flag);
        return Status::error(Code::invalid_config, "codec registry: codec '" + entry.name + "' uses page flag " +
                                                       flag + ", already taken by '" + other->name + "'");
    }
    entries_.push_back(std::move(entry));
    return Status::ok();
}

Result<std::unique_ptr<Codec>> CodecRegistry::create(std::string_view name, std::optional<int> level) const {
    if (!startup_.is_ok()) return startup_;
    const Entry* e = find_name(name);
    if (!e)
        return Status::error(Code::invalid_config,
                             "unknown compression '" + std::string(name) + "'; known: " + known_names());
    const int lvl = level.value_or(e->default_level);
    if (lvl < e->min_level || lvl > e->max_level) {
        std::string msg = e->name + ": compression level " + std::to_string(lvl) + " is out of range; accepted: ";
        msg += e->min_level == e->max_level
                   ? std::to_string(e->min_level)
                   : std::to_string(e->min_level) + ".." + std::to_string(e->max_level);
        if (!e->level_note.empty()) msg += " (" + e->level_note + ")";
        return Status::error(Code::invalid_config, msg);
    }
    return e->make(lvl);
}

Result<std::unique_ptr<Codec>> CodecRegistry::create_for_flag(uint32_t kdump_flag) const {
    if (!startup_.is_ok()) return startup_;
    if (const Entry* e = find_flag(kdump_flag)) return e->make(e->default_level);
    if (kdump_flag == kdump_page_flags::kCompressedSnappy)
        return Status::error(Code::not_supported,
                             "snappy pages (page flag 0x4, makedumpfile -p) are not supported; "
                             "read the dump with crash or libkdumpfile");
    std::string known;
    for (const Entry& e : entries_) {
        char one[48];
        std::snprintf(one, sizeof one, "%s0x%x %s", known.empty() ? "" : ", ", e.kdump_flag, e.name.c_str());
        known += one;
    }
    char flag[16];
    std::snprintf(flag, sizeof flag, "0x%x", kdump_flag);
    return Status::error(Code::corrupt, std::string("unknown page compression flag ") + flag + "; known: " + known);
}

}  // namespace kdf::compress
