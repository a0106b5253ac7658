// core/config/makedumpfile_options.cpp
#include "core/config/makedumpfile_options.h"

#include "core/common/text_words.h"
#include "kdf/options.h"

namespace kdf::chain {

namespace {

using common::split_words;

std::optional<int> small_int(std::string_view s) {
    auto v = kdf::parse_integer(s);
    if (!v || *v < 0 || *v > 1'000'000) return std::nullopt;
    return static_cast<int>(*v);
}

}  // namespace

MakedumpfileOptions parse_makedumpfile_options(std::string_view command) {
    std::vector<std::string> words = split_words(command);
    if (words.empty()) return {};
    std::string program = words[0];
    std::string_view base = program;
    if (size_t slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
    if (base != "makedumpfile") {
        MakedumpfileOptions out;
        out.program = program;
        return out;
    }
    words.erase(words.begin());
    MakedumpfileOptions out = parse_makedumpfile_args(words);
    out.program = program;
    // In a stored core_collector, operands are as foreign as unknown options: report them together,
    // in the order they were written.
    out.ignored = out.words_not_understood;
    return out;
}

MakedumpfileOptions parse_makedumpfile_args(const std::vector<std::string>& words) {
    MakedumpfileOptions out;
    out.is_makedumpfile = true;

    auto set_compress = [&](const char* codec, std::string flag) {
        out.compress = codec;
        out.compress_flag = std::move(flag);
    };
    auto set_format = [&](const char* format, std::string flag) {
        out.format = format;
        out.format_flag = std::move(flag);
    };

    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        // Value of an option written as "--opt=N", "--opt N", "-dN" or "-d N".
        auto take_value = [&](std::string_view inline_value) -> std::optional<std::string> {
            if (!inline_value.empty()) return std::string(inline_value);
            if (i + 1 < words.size()) return words[++i];
            return std::nullopt;
        };

        if (w.rfind("--", 0) == 0) {
            std::string_view name = std::string_view(w).substr(2);
            std::string_view inline_value;
            if (size_t eq = name.find('='); eq != std::string_view::npos) {
                inline_value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            if (name == "lz4") {
                set_compress("lz4", w);
            } else if (name == "auto") {
                set_compress("auto", w);
            } else if (name == "readers") {
                auto v = take_value(inline_value);
                if (!v) out.unknown(w);
                else out.readers = *v;
            } else if (name == "message-level" || name == "num-threads") {
                auto v = take_value(inline_value);
                auto n = v ? small_int(*v) : std::nullopt;
                if (!n) out.unknown(w);
                else if (name == "message-level") out.message_level = n;
                else out.threads = n;
            } else if (name == "dump-dmesg") {
                out.dump_dmesg = true;
            } else if (name == "non-mmap") {
                out.non_mmap = true;
            } else {
                out.unknown(w);
            }
            continue;
        }
        if (w.size() < 2 || w[0] != '-') {
            out.operand(w);  // the VMCORE/OUT operands kdump appends, or stray words
            continue;
        }
        // A cluster of short options, as getopt reads them: "-ld31" = -l -d 31.
        for (size_t k = 1; k < w.size(); ++k) {
            char c = w[k];
            std::string flag = std::string("-") + c;
            if (c == 'c') set_compress("zlib", flag);
            else if (c == 'l') set_compress("lzo", flag);
            else if (c == 'z') set_compress("zstd", flag);
            else if (c == 'p') set_compress("snappy", flag);
            else if (c == 'F') set_format("flat", flag);
            else if (c == 'E') set_format("elf", flag);
            else if (c == 'f') out.force = true;
            else if (c == 'd') {
                auto v = take_value(std::string_view(w).substr(k + 1));
                auto n = v ? small_int(*v) : std::nullopt;
                if (n) {
                    out.level = n;
                    out.level_flag = "-d " + std::to_string(*n);
                } else {
                    out.unknown(flag + (v ? " " + *v : std::string()));
                }
                break;  // the rest of the word, if any, was the value
            } else {
                out.unknown(flag);
            }
        }
    }
    return out;
}

}  // namespace kdf::chain
