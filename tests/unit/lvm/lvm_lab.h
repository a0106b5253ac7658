// lvm_lab.h - real LVM2 volumes for the `lvm` tests: sparse files (on /dev/shm) on loop devices, and Debian's
// lvm2 run against exactly those devices (a filter, no udev, no activation, no backup files), so
// metadata is written by lvm2 itself while this kernel has no device-mapper. Loop devices are
// detached and files removed on destruction.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace kdf::lvm::test {

struct CommandResult {
    int status = -1;
    std::string out;
    std::string err;
};

// Runs `command` under /bin/sh; stdout and stderr captured.
CommandResult run_shell(const std::string& command);

// One lvm2 segment as `lvs --segments` reports it.
struct ReportedSegment {
    std::string lv;
    uint64_t start_extent = 0;
    uint64_t extent_count = 0;
    uint64_t stripe_size = 0;  // bytes; 0 for linear
    // (device, first PE) per stripe, from seg_pe_ranges ("/dev/loop3:0-4 /dev/loop4:0-4").
    std::vector<std::pair<std::string, uint64_t>> areas;
};

class LvmLab {
public:
    // `disks` sparse files of `size` bytes each, each on a loop device of its own.
    LvmLab(int disks, uint64_t size);
    ~LvmLab();
    LvmLab(const LvmLab&) = delete;
    LvmLab& operator=(const LvmLab&) = delete;

    bool ready() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    const std::vector<std::string>& devices() const { return loops_; }
    const std::string& device(size_t i) const { return loops_.at(i); }
    const kdf::test::TempDir& dir() const { return dir_; }

    // `lvm ARGS` restricted to this lab's devices; the result (status, stdout, stderr).
    CommandResult lvm(const std::string& args) const;
    // The same, failing the current test with stderr when lvm2 fails; returns stdout.
    std::string must(const std::string& args) const;

    // Reports, in bytes.
    std::vector<ReportedSegment> segments(const std::string& vg) const;
    std::map<std::string, uint64_t> pe_start_by_device() const;
    std::map<std::string, std::string> uuid_by_device() const;
    uint64_t extent_size(const std::string& vg) const;

private:
    kdf::test::TempDir dir_{"kdf-lvm"};
    // The disks' backing files live on tmpfs: a flush of a loop device is then a memory copy, not
    // a write to this machine's disk, which keeps the suite fast on a loaded machine.
    std::string disk_dir_;
    std::vector<std::string> loops_;
    std::string config_;
    std::string error_;
};

// Where lvm2's own reports say LV byte `lv_offset` lives: (device, byte offset on it).
std::pair<std::string, uint64_t> reported_location(const std::vector<ReportedSegment>& segments,
                                                   const std::map<std::string, uint64_t>& pe_start,
                                                   uint64_t extent_size, const std::string& lv, uint64_t lv_offset);

}  // namespace kdf::lvm::test
