// `kdump-failover collect [makedumpfile options] VMCORE OUT`: one dump into one local file, with
// makedumpfile's options and meanings, so it can stand in as kdumpctl's core_collector:
//   core_collector kdump-failover collect -z -d 1
// An option it does not support is an error naming it: a silently ignored option would give the
// user a dump other than the one asked for.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/config/makedumpfile_options.h"
#include "core/chain/progress_reporter.h"
#include "core/compress/auto_ladder.h"
#include "core/cli/command.h"
#include "core/format/file_output.h"
#include "core/format/flattened.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::cli {

int write_kernel_log(const std::string& command, const std::string& vmcore, const std::string& out,
                     bool force);  // cmd_dmesg.cpp

namespace {

constexpr const char* kUsage =
    "usage: kdump-failover collect [-c|-l|-z|--lz4|--auto [--readers any|makedumpfile-1.7.2]] [-d 0|1] [-E] [-F] [-f] [--num-threads N] "
    "[--message-level N] [--non-mmap] VMCORE [OUT]   (-F: the flattened stream goes to stdout, no OUT)";

// makedumpfile's exit status for a failed dump.
constexpr int kFailed = 1;

// Where the note for a dump written to `out_path` goes: beside it.
std::string unreadable_note_path(const std::string& out_path) {
    const size_t slash = out_path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : out_path.substr(0, slash + 1);
    return dir + (dir.ends_with('/') ? "" : "/") + pipeline::kUnreadableNoteName;
}

// vmcore-unreadable.txt in OUT's directory, where kdumpctl also puts vmcore-dmesg.txt: which ranges
// of memory could not be read and are missing from the dump. A failure to write it is reported
// but does not fail the dump (the console lines name the ranges too). Synced like the dump: after a
// crash of the capture kernel the note must not be missing or empty beside a complete dump.
void write_unreadable_note(const std::string& out_path, const std::string& text) {
    const std::string path = unreadable_note_path(out_path);
    // O_NOFOLLOW: a symlink planted under this name must not send the note somewhere else.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    Status s = fd ? write_full(fd.get(), text.data(), text.size(), ("collect: write " + path).c_str())
                  : Status::from_errno(errno, "collect: create " + path);
    if (s.is_ok() && ::fsync(fd.get()) != 0) s = Status::from_errno(errno, "collect: sync " + path);
    if (s.is_ok()) s = fd.close(("collect: close " + path).c_str());
    if (!s.is_ok()) error_line("collect: warning: " + s.to_string());
}

// -f overwrites an earlier dump: the note beside it described that dump's missing memory, not the
// new one's, so it goes (a new note is written if this dump has unreadable memory too).
void remove_stale_unreadable_note(const std::string& out_path) {
    const std::string path = unreadable_note_path(out_path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        error_line("collect: warning: " + Status::from_errno(errno, "collect: remove the earlier " + path).to_string());
}

}  // namespace

int cmd_collect(const Args& args) {
    const chain::MakedumpfileOptions m = chain::parse_makedumpfile_args(args);
    int errors = 0;
    for (const auto& u : m.unknown_options) {
        error_line("collect: makedumpfile option '" + u + "' is not supported by kdump-failover collect");
        ++errors;
    }
    if (m.dump_dmesg) {
        // makedumpfile --dump-dmesg [-f] VMCORE LOGFILE: only the kernel log (cmd_dmesg.cpp).
        if (m.operands.size() != 2) {
            error_line("collect: --dump-dmesg needs VMCORE and LOGFILE");
            return 2;
        }
        return write_kernel_log("collect", m.operands[0], m.operands[1], m.force);
    }
    if (m.compress == "snappy") {
        error_line("collect: -p (snappy) is not supported; use -c (zlib), -l (lzo), -z (zstd) or --lz4");
        ++errors;
    }
    if (m.readers && m.compress != "auto") {
        error_line("collect: --readers applies only to --auto (the codec chosen during the dump)");
        ++errors;
    }
    if (m.readers && compress::auto_ladder(*m.readers).empty()) {
        error_line("collect: --readers " + *m.readers + ": unknown reader set (any, makedumpfile-1.7.2)");
        ++errors;
    }
    const int level = m.level.value_or(0);
    if (level > 31) {
        error_line("collect: dump level " + std::to_string(level) + " is out of range (0-31)");
        ++errors;
    }
    const bool flat = m.format == "flat", elf = m.format == "elf";
    if (elf && m.compress) {
        error_line("collect: -E writes pages uncompressed; " + m.compress_flag + " cannot be combined with it");
        ++errors;
    }
    const size_t want = flat ? 1 : 2;
    if (m.operands.size() != want) {
        error_line(flat ? "collect: with -F give only VMCORE (the stream goes to stdout)" : "collect: give VMCORE and OUT");
        ++errors;
    }
    if (errors) {
        error_line(kUsage);
        return 2;
    }

    const std::string& vmcore_path = m.operands[0];
    auto core = vmcore::ElfVmcore::open(vmcore_path, m.non_mmap ? vmcore::ReadMode::pread : vmcore::ReadMode::automatic);
    if (!core.is_ok()) {
        error_line("collect: " + core.status().to_string());
        return kFailed;
    }

    pipeline::DumpJobOptions job;
    job.format = elf ? "elf" : "kdump";
    job.level = level;
    job.codec = m.compress.value_or("none");  // makedumpfile without -c/-l/-z stores pages raw
    job.readers = m.readers.value_or("any");
    job.threads = m.threads.value_or(0) > 0 ? static_cast<unsigned>(*m.threads) : 0;
    // Message level bit 1 is makedumpfile's progress indicator (its default, 7, has it).
    const bool progress = (m.message_level.value_or(7) & 1) != 0;
    chain::ProgressReporter reporter(stderr, ::isatty(STDERR_FILENO) == 1, std::chrono::milliseconds(5000));
    // --auto: the choice and its reason, about once a second, with the progress line.
    if (progress && job.codec == "auto") job.auto_note = [&](const std::string& line) { reporter.note("codec " + line); };
    if (progress) {
        reporter.begin("collect", 0);
        job.progress = [&](uint64_t done, uint64_t total) {
            reporter.set_total(total);
            reporter.update(done);
        };
    }

    Status status;
    pipeline::PipelineStats stats;
    auto keep = [&](Result<pipeline::DumpJobResult>& written) {
        if (written.is_ok()) stats = written.value().stats;
        return written.is_ok();
    };
    if (flat) {
        format::FlattenedOutput out([](std::span<const std::byte> bytes) {
            return write_full(STDOUT_FILENO, bytes.data(), bytes.size(), "collect: write to stdout");
        });
        auto written = pipeline::write_dump(core.value(), out, job);
        status = keep(written) ? out.end() : written.take_status();
        // The stream has no directory to put a note in: the console lines are the record.
    } else {
        const std::string& out_path = m.operands[1];
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (m.force ? O_TRUNC : O_EXCL);
        UniqueFd fd(::open(out_path.c_str(), flags, 0600));
        if (!fd) {
            status = Status::from_errno(errno, "collect: create " + out_path + (errno == EEXIST ? " (use -f to overwrite)" : ""));
        } else {
            if (m.force) remove_stale_unreadable_note(out_path);
            format::FileOutput out(std::move(fd), out_path);
            auto written = pipeline::write_dump(core.value(), out, job);
            status = keep(written) ? out.sync() : written.take_status();
            if (status.is_ok() && !stats.unreadable_note.empty())
                write_unreadable_note(out_path, stats.unreadable_note);
        }
    }
    if (progress) reporter.end();
    if (!status.is_ok()) {
        error_line("collect: " + status.to_string());
        return kFailed;
    }
    if (progress && !stats.codec_pages.empty()) {
        std::string line = "collect: pages per codec:";
        for (const pipeline::CodecPages& c : stats.codec_pages) line += " " + c.label + " " + std::to_string(c.pages) + ",";
        line += " " + std::to_string(stats.codec_switches) + " switches";
        error_line(line);
    }
    return 0;
}

}  // namespace kdf::cli
