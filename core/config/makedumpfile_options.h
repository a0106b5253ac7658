// core/config/makedumpfile_options.h - what a makedumpfile command line (a kdump core_collector)
// asks for, in terms of our [dump] settings.
//
// kdump-failover 0.2 stored `core_collector = makedumpfile -l --message-level 1 -d 31`. We write the
// vmcore ourselves, so the command is not run; its options are read so the migration can carry the
// user's intent over (dump level, compression, format) and say what this build cannot apply yet.
// Understood: -d N, -c (zlib), -l (lzo), -z (zstd), -p (snappy), --lz4, -F (flat), -E (elf),
// --message-level N, --num-threads N, our --auto and --readers NAME (also "--opt=N" and glued short forms such as "-d31", "-ld 31"),
// -f (overwrite), --dump-dmesg, --non-mmap.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kdf::chain {

struct MakedumpfileOptions {
    std::string program;                 // first word ("makedumpfile", "/usr/sbin/makedumpfile", "cp")
    bool is_makedumpfile = false;
    std::optional<int> level;            // -d
    std::string level_flag;              // as written, e.g. "-d 31"
    std::optional<std::string> compress; // zlib|lzo|snappy|zstd|lz4|auto (--auto: ours, not makedumpfile's)
    std::optional<std::string> readers;  // --readers NAME (ours): the reader set --auto must suit
    std::string compress_flag;           // "-l"
    std::optional<std::string> format;   // flat|elf
    std::string format_flag;             // "-F"
    std::optional<int> message_level;    // --message-level (console verbosity: nothing to carry over)
    std::optional<int> threads;          // --num-threads
    bool force = false;                  // -f: overwrite an existing output file
    bool dump_dmesg = false;             // --dump-dmesg
    bool non_mmap = false;               // --non-mmap: read /proc/vmcore with read(), not mmap
    std::vector<std::string> operands;          // words that are not options (VMCORE, OUT)
    std::vector<std::string> unknown_options;   // options not understood
    std::vector<std::string> words_not_understood;  // operands and unknown options, in order
    std::vector<std::string> ignored;    // parse_makedumpfile_options: words_not_understood

    void unknown(std::string w) {
        unknown_options.push_back(w);
        words_not_understood.push_back(std::move(w));
    }
    void operand(std::string w) {
        operands.push_back(w);
        words_not_understood.push_back(std::move(w));
    }
};

// A whole command line as stored in a config ("makedumpfile -l -d 31"); not makedumpfile: only
// `program` is filled.
MakedumpfileOptions parse_makedumpfile_options(std::string_view command);

// The arguments after the program name (`kdump-failover collect` takes makedumpfile's options).
MakedumpfileOptions parse_makedumpfile_args(const std::vector<std::string>& args);

}  // namespace kdf::chain
