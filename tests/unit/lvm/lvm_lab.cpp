// lvm_lab.cpp - loop devices and lvm2 commands for the `lvm` tests.
#include "lvm_lab.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kdf::lvm::test {

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && s[i] == ' ') ++i;
    return s.substr(i);
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == sep) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

}  // namespace

CommandResult run_shell(const std::string& command) {
    static int counter = 0;
    const std::string base = "/tmp/kdf-lvm-cmd." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    const std::string full = "(" + command + ") >" + base + ".out 2>" + base + ".err";
    CommandResult r;
    int rc = std::system(full.c_str());
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(base + ".out");
    r.err = slurp(base + ".err");
    std::remove((base + ".out").c_str());
    std::remove((base + ".err").c_str());
    return r;
}

LvmLab::LvmLab(int disks, uint64_t size) {
    std::string tmpl = "/dev/shm/kdf-lvm-disks-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        error_ = "mkdtemp under /dev/shm failed";
        return;
    }
    disk_dir_ = tmpl;
    std::string filter;
    for (int i = 0; i < disks; ++i) {
        const std::string file = disk_dir_ + "/disk" + std::to_string(i) + ".img";
        CommandResult r = run_shell("truncate -s " + std::to_string(size) + " " + file + " && losetup -f --show " + file);
        if (r.status != 0) {
            error_ = "losetup: " + r.err;
            return;
        }
        loops_.push_back(trim(r.out));
        filter += "\"a|^" + loops_.back() + "$|\",";
    }
    config_ = "devices { filter=[" + filter +
              "\"r|.*|\"] obtain_device_list_from_udev=0 use_devicesfile=0 } "
              "activation { udev_sync=0 udev_rules=0 monitoring=0 } global { activation=0 } "
              "backup { backup=0 archive=0 }";
}

LvmLab::~LvmLab() {
    for (const std::string& loop : loops_) (void)run_shell("losetup -d " + loop);
    std::error_code ec;
    if (!disk_dir_.empty()) std::filesystem::remove_all(disk_dir_, ec);
}

CommandResult LvmLab::lvm(const std::string& args) const {
    return run_shell("LVM_SUPPRESS_FD_WARNINGS=1 lvm " + args + " --config '" + config_ + "'");
}

std::string LvmLab::must(const std::string& args) const {
    CommandResult r = lvm(args);
    EXPECT_EQ(r.status, 0) << "lvm " << args << ": " << r.err;
    return r.out;
}

std::vector<ReportedSegment> LvmLab::segments(const std::string& vg) const {
    std::vector<ReportedSegment> out;
    std::istringstream lines(must("lvs --noheadings --separator '|' --units b --nosuffix --segments -a "
                                  "-o lv_name,seg_start_pe,seg_size_pe,stripe_size,seg_pe_ranges " + vg));
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f = split(trim(line), '|');
        if (f.size() != 5) continue;
        ReportedSegment s;
        s.lv = f[0];
        s.start_extent = std::stoull(f[1]);
        s.extent_count = std::stoull(f[2]);
        s.stripe_size = std::stoull(f[3]);
        for (const std::string& range : split(trim(f[4]), ' ')) {
            if (range.empty()) continue;
            size_t colon = range.rfind(':');
            s.areas.emplace_back(range.substr(0, colon), std::stoull(range.substr(colon + 1)));
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::map<std::string, uint64_t> LvmLab::pe_start_by_device() const {
    std::map<std::string, uint64_t> out;
    std::istringstream lines(must("pvs --noheadings --separator '|' --units b --nosuffix -o pv_name,pe_start"));
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f = split(trim(line), '|');
        if (f.size() == 2) out[f[0]] = std::stoull(f[1]);
    }
    return out;
}

std::map<std::string, std::string> LvmLab::uuid_by_device() const {
    std::map<std::string, std::string> out;
    std::istringstream lines(must("pvs --noheadings --separator '|' -o pv_name,pv_uuid"));
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f = split(trim(line), '|');
        if (f.size() == 2) out[f[0]] = f[1];
    }
    return out;
}

uint64_t LvmLab::extent_size(const std::string& vg) const {
    return std::stoull(trim(must("vgs --noheadings --units b --nosuffix -o vg_extent_size " + vg)));
}

std::pair<std::string, uint64_t> reported_location(const std::vector<ReportedSegment>& segments,
                                                   const std::map<std::string, uint64_t>& pe_start,
                                                   uint64_t extent_size, const std::string& lv, uint64_t lv_offset) {
    for (const ReportedSegment& s : segments) {
        if (s.lv != lv) continue;
        const uint64_t begin = s.start_extent * extent_size, end = begin + s.extent_count * extent_size;
        if (lv_offset < begin || lv_offset >= end) continue;
        const uint64_t rel = lv_offset - begin;
        if (s.areas.size() == 1) {
            const auto& [dev, pe] = s.areas[0];
            return {dev, pe_start.at(dev) + pe * extent_size + rel};
        }
        const uint64_t chunk = rel / s.stripe_size, n = s.areas.size();
        const auto& [dev, pe] = s.areas[chunk % n];
        return {dev, pe_start.at(dev) + pe * extent_size + (chunk / n) * s.stripe_size + rel % s.stripe_size};
    }
    return {"", 0};
}

}  // namespace kdf::lvm::test
