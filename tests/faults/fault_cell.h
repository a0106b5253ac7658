// fault_cell.h - one cell of the fault matrix: a chain [faulted target, working local target]
// run by the real `kdump-failover dump`, a fault made for real on the first target's server, and
// the checks every cell shares.
//
// The command runs in the background so the test can make its fault while the dump is under way;
// a watcher thread reads the command's standard error as it grows and notes the moment the
// supervisor starts the second target ("target 'backup' (local): starting (2 of 2)"). The time
// that counts is from the fault (the launch, for a fault in place before the run) to that line:
// it must stay within the configured timeout that bounds the fault plus 2 s.
//
// What every cell checks (expect_failover):
//   - exit code 11 and "dump saved by target 'backup'": the second target holds the dump, and it
//     holds the input's pages;
//   - one error line names the faulted target and its stage;
//   - the faulted target holds no complete dump: nothing, or a dump marked incomplete (checked by
//     the cell, per kind of target: a file named vmcore-incomplete, or a raw header that does not
//     say complete);
//   - everything that was on the faulted target before the run is byte for byte the same.
// Each cell's measured time is printed as a "fault-matrix:" line, the source of the matrix in the
// reliability document.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "tests/unit/chain/cli_harness.h"

namespace kdf_test {

// Every file below `dir` (relative path -> contents), to prove later that none was touched.
using TreeSnapshot = std::map<std::string, std::string>;
TreeSnapshot snapshot_tree(const fs::path& dir);
// Files of `before` that are gone or changed in `dir` now, one per line ("" when none).
std::string changed_files(const TreeSnapshot& before, const fs::path& dir);

// Puts an earlier host's dump and an unrelated file into `dir`: what a shared dump server holds.
void seed_existing_files(const fs::path& dir);

// Bytes `length` at `offset` of a file or device.
std::string read_range(const fs::path& path, uint64_t offset, uint64_t length);
// Writes a recognisable pattern of `length` bytes at `offset`, returns it.
std::string write_pattern(const fs::path& path, uint64_t offset, uint64_t length);

bool contains(const std::string& text, const std::string& needle);

// What a failed attempt may leave on a directory target: every file that was there before,
// unchanged, and no complete dump (no file named vmcore or vmcore.flat that was not there). When
// `partial_expected`, the attempt got far enough to write data, which must sit in a file named
// vmcore-incomplete.
void expect_directory_target_intact(const fs::path& dir, const TreeSnapshot& before, bool partial_expected);

// A directory target as a shared dump server holds it: seeded with what such a server already has
// (seed_existing_files) and recorded before the run, so that expect_intact can prove after it that
// the failed attempt left all of that as it was.
struct SeededDirectory {
    explicit SeededDirectory(fs::path dir);
    fs::path path;
    TreeSnapshot before;
    // expect_directory_target_intact on this directory and its recorded contents.
    void expect_intact(bool partial_expected) const;
};
// Whether `dir` holds a vmcore-incomplete of at least `bytes`: a transfer caught that far along.
bool holds_partial_dump(const fs::path& dir, uintmax_t bytes);
// What a failed attempt may leave on a raw target (a LUN, a block device): the bytes at
// [offset, offset + before.size()) unchanged (a region no dump of this size reaches, filled with a
// pattern before the run), and no header that says complete. When `partial_expected`, data was
// written, so the header must be there and say writing or aborted.
void expect_raw_target_intact(const fs::path& device, uint64_t offset, const std::string& before, bool partial_expected);

class FaultCell {
public:
    // `transport` and `fault` name the cell in the matrix; `bound_s` is the configured timeout
    // that should end this fault.
    FaultCell(std::string transport, std::string fault, double bound_s);
    ~FaultCell();
    FaultCell(const FaultCell&) = delete;
    FaultCell& operator=(const FaultCell&) = delete;

    Scratch& scratch() { return scratch_; }
    const fs::path& backup() const { return backup_; }

    // A vmcore of random pages (incompressible, so a transfer lasts long enough to be caught in
    // the middle) or of the generator's usual mix.
    fs::path make_vmcore(const std::string& size, bool random);

    // Writes the chain's config: `dump_lines` for [dump], `faulted_section` is the whole
    // "[target primary]" section of the first target.
    fs::path write_chain(const std::string& faulted_section, const std::string& dump_lines = "");

    // Starts `kdump-failover dump` in the background; the launch is the fault's time unless
    // fault_now() is called later.
    void start(const fs::path& conf, const fs::path& vmcore);
    void fault_now();
    // Polls `ready` every 2 ms until it holds or `timeout` passes; false on timeout or when the
    // command already ended.
    template <class Pred>
    bool wait_for(Pred ready, std::chrono::milliseconds timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (ready()) return true;
            if (exited()) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return false;
    }
    bool exited();

    // Waits for the command to end (killing it past `timeout`) and fills the result.
    CommandResult finish(std::chrono::seconds timeout = std::chrono::seconds(90));

    // Seconds from the fault to the second target's start (negative if it never started).
    double seconds_to_next() const;

    // The shared checks (see above) on a finished run, and the matrix line.
    void expect_failover(const CommandResult& r, const fs::path& vmcore);

private:
    void watch();

    std::string transport_, fault_;
    double bound_s_;
    Scratch scratch_;
    fs::path backup_;
    pid_t pid_ = -1;
    int status_ = 0;
    bool reaped_ = false;
    std::chrono::steady_clock::time_point launched_, faulted_;
    std::atomic<bool> watching_{false};
    std::atomic<bool> next_seen_{false};
    std::chrono::steady_clock::time_point next_at_;  // written by the watcher before next_seen_
    std::thread watcher_;
};

}  // namespace kdf_test
