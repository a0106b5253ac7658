// fault_cell.cpp - see fault_cell.h.
#include "tests/faults/fault_cell.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <vector>

#include "kdf/raw_dump_header.h"
#include "kdf/unique_fd.h"

namespace kdf_test {

TreeSnapshot snapshot_tree(const fs::path& dir) {
    TreeSnapshot snap;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file()) snap[fs::relative(it->path(), dir).string()] = read_file(it->path());
    return snap;
}

std::string changed_files(const TreeSnapshot& before, const fs::path& dir) {
    std::string out;
    for (const auto& [rel, bytes] : before) {
        fs::path p = dir / rel;
        if (!fs::exists(p)) out += rel + ": gone\n";
        else if (read_file(p) != bytes) out += rel + ": changed\n";
    }
    return out;
}

void seed_existing_files(const fs::path& dir) {
    // Another node's finished dump (the name a dump of ours would have, from another host and day)
    // and a file that has nothing to do with dumps.
    fs::create_directories(dir / "10.0.0.7-2026-01-02-03:04:05");
    write_pattern(dir / "10.0.0.7-2026-01-02-03:04:05" / "vmcore", 0, 64 * 1024);
    write_file(dir / "10.0.0.7-2026-01-02-03:04:05" / "vmcore-dmesg.txt", "[    0.000000] Linux version 6.1.0\n");
    write_file(dir / "README.admin", "dumps of the lab cluster; do not delete\n");
}

SeededDirectory::SeededDirectory(fs::path dir) : path(std::move(dir)) {
    seed_existing_files(path);
    before = snapshot_tree(path);
}

void SeededDirectory::expect_intact(bool partial_expected) const {
    expect_directory_target_intact(path, before, partial_expected);
}

bool holds_partial_dump(const fs::path& dir, uintmax_t bytes) {
    fs::path part = find_one(dir, "vmcore-incomplete");
    std::error_code ec;
    return !part.empty() && fs::file_size(part, ec) >= bytes && !ec;
}

void expect_raw_target_intact(const fs::path& device, uint64_t offset, const std::string& before, bool partial_expected) {
    EXPECT_TRUE(read_range(device, offset, before.size()) == before)
        << device << ": bytes at " << offset << " that no dump reaches were changed";
    const std::string block = read_range(device, 0, kdf::raw::header_size);
    std::vector<std::byte> bytes(block.size());
    std::memcpy(bytes.data(), block.data(), block.size());
    kdf::raw::DecodeError error{};
    const auto header = kdf::raw::decode(bytes, error);
    if (header) {
        EXPECT_TRUE(header->state == kdf::raw::State::writing || header->state == kdf::raw::State::aborted)
            << device << ": header says " << kdf::raw::to_string(header->state);
    } else {
        EXPECT_TRUE(std::all_of(block.begin(), block.end(), [](char c) { return c == 0; }))
            << device << ": its start is neither zeros nor a dump header";
        EXPECT_FALSE(partial_expected) << device << ": data was expected, but there is no dump header";
    }
}

std::string read_range(const fs::path& path, uint64_t offset, uint64_t length) {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string bytes(length, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(length));
    bytes.resize(static_cast<size_t>(in.gcount()));
    return bytes;
}

std::string write_pattern(const fs::path& path, uint64_t offset, uint64_t length) {
    std::string bytes(length, '\0');
    uint32_t x = static_cast<uint32_t>(offset) * 2654435761u + 12345;
    for (char& c : bytes) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    kdf::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!fd || ::pwrite(fd.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset)) !=
                   static_cast<ssize_t>(bytes.size()))
        ADD_FAILURE() << "cannot write a pattern into " << path;
    return bytes;
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

void expect_directory_target_intact(const fs::path& dir, const TreeSnapshot& before, bool partial_expected) {
    EXPECT_EQ(changed_files(before, dir), "") << "files that were on the target before the dump";
    bool partial = false;
    for (const auto& [rel, bytes] : snapshot_tree(dir)) {
        if (before.count(rel)) continue;
        const std::string name = fs::path(rel).filename().string();
        EXPECT_NE(name, "vmcore") << rel << " looks like a complete dump";
        EXPECT_NE(name, "vmcore.flat") << rel << " looks like a complete dump";
        if (name == "vmcore-incomplete" && !bytes.empty()) partial = true;
    }
    if (partial_expected) {
        EXPECT_TRUE(partial) << "no vmcore-incomplete holding data below " << dir;
    }
}

FaultCell::FaultCell(std::string transport, std::string fault, double bound_s)
    : transport_(std::move(transport)), fault_(std::move(fault)), bound_s_(bound_s) {
    backup_ = scratch_.mkdir("backup");
}

FaultCell::~FaultCell() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
    }
    watching_ = false;
    if (watcher_.joinable()) watcher_.join();
}

fs::path FaultCell::make_vmcore(const std::string& size, bool random) {
    if (!random) return scratch_.make_vmcore(size, 3);
    fs::path p = scratch_.path("vmcore-random-" + size);
    const std::string cmd = std::string(KDF_MKVMCORE) + " --size " + size +
                            " --mix random=1,zero=0,repeat=0,text=0 '" + p.string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return p;
}

fs::path FaultCell::write_chain(const std::string& faulted_section, const std::string& dump_lines) {
    fs::path conf = scratch_.path("kdf.conf");
    write_file(conf, (dump_lines.empty() ? "" : "[dump]\n" + dump_lines + "\n\n") +
                         "[chain]\ntargets = primary backup\n\n" + faulted_section +
                         "\n\n[target backup]\ntype = local\npath = " + backup_.string() + "\nreserve = 0\n");
    return conf;
}

void FaultCell::start(const fs::path& conf, const fs::path& vmcore) {
    const std::string cmd = "KDF_PLUGIN_PATH='" KDF_PLUGIN_BUILD_DIR "' exec " KDF_CLI " dump --config '" +
                            conf.string() + "' --vmcore '" + vmcore.string() + "' >'" +
                            scratch_.path("run.out").string() + "' 2>'" + scratch_.path("run.err").string() + "'";
    launched_ = faulted_ = std::chrono::steady_clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ASSERT_GT(pid_, 0);
    watching_ = true;
    watcher_ = std::thread([this] { watch(); });
}

void FaultCell::watch() {
    const std::string needle = "target 'backup' (local): starting (2 of 2)";
    const fs::path err = scratch_.path("run.err");
    while (watching_.load()) {
        if (contains(read_file(err), needle)) {
            next_at_ = std::chrono::steady_clock::now();
            next_seen_ = true;  // publishes next_at_ to seconds_to_next()
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void FaultCell::fault_now() { faulted_ = std::chrono::steady_clock::now(); }

bool FaultCell::exited() {
    if (reaped_) return true;
    if (pid_ > 0 && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return reaped_;
}

CommandResult FaultCell::finish(std::chrono::seconds timeout) {
    CommandResult r;
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!exited() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!exited()) {
        ADD_FAILURE() << "the chain did not end within " << timeout.count() << " s; killed";
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - launched_).count();
    r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    // The line may have come just before the exit: one last look.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    watching_ = false;
    if (watcher_.joinable()) watcher_.join();
    r.out = read_file(scratch_.path("run.out"));
    r.err = read_file(scratch_.path("run.err"));
    return r;
}

double FaultCell::seconds_to_next() const {
    if (!next_seen_.load()) return -1;
    return std::chrono::duration<double>(next_at_ - faulted_).count();
}

void FaultCell::expect_failover(const CommandResult& r, const fs::path& vmcore) {
    EXPECT_EQ(r.exit_code, 11) << r.err;
    fs::path landed = find_one(backup_, "vmcore");
    EXPECT_TRUE(contains(r.out, "dump saved by target 'backup' (local): " + landed.string())) << r.out;
    EXPECT_TRUE(same_pages(vmcore, landed));
    // One line names the target and its stage: "kdump-failover: target 'primary' [stage]: ...".
    const size_t at = r.err.find("kdump-failover: target 'primary' [");
    EXPECT_NE(at, std::string::npos) << r.err;
    const std::string line = at == std::string::npos ? "" : r.err.substr(at, r.err.find('\n', at) - at);
    // A fault of the server is an error the plugin reports, never a crash of the plugin.
    EXPECT_FALSE(contains(line, "crashed with")) << line;
    const double next = seconds_to_next();
    EXPECT_GE(next, 0.0) << "the second target never started:\n" << r.err;
    EXPECT_LE(next, bound_s_ + 2.0) << "the second target started " << next << " s after the fault; the configured "
                                    << "timeout is " << bound_s_ << " s\n" << r.err;
    std::ostringstream row;
    row.setf(std::ios::fixed);
    row.precision(2);
    const std::string prefix = "kdump-failover: ";
    row << "fault-matrix: " << transport_ << " | " << fault_ << " | next target after " << next << " s (bound "
        << bound_s_ + 2.0 << " s) | " << (line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : line);
    std::cout << row.str() << std::endl;
    ::testing::Test::RecordProperty("next_target_seconds", std::to_string(next));
}

}  // namespace kdf_test
