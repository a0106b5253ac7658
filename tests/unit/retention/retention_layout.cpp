// retention_layout.cpp - see retention_layout.h.
#include "tests/unit/retention/retention_layout.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

namespace kdf_test {

namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

void make_dump(const fs::path& root, const std::string& name, const std::string& file) {
    fs::create_directory(root / name);
    write(root / name / "vmcore-dmesg.txt", "[    0.000000] Linux version 6.1.0\n");
    write(root / name / file, "dump bytes of " + name);
}

}  // namespace

std::vector<std::string> make_retention_layout(const std::string& dir) {
    const fs::path root(dir);
    make_dump(root, "node1-2026-01-01-00:00:00", "vmcore-incomplete");
    make_dump(root, "node1-2026-01-02-00:00:00", "vmcore");
    make_dump(root, "node1-2026-01-03-00:00:00", "vmcore.flat");
    make_dump(root, "node1-2026-01-04-00:00:00", "vmcore");
    make_dump(root, "node1-2026-01-05-00:00:00", "vmcore");
    make_dump(root, "node2-2026-01-01-00:00:00", "vmcore");
    make_dump(root, "node1-notes", "vmcore");
    make_dump(root, "node1-2026-01-00-00:00:00x", "vmcore");
    write(root / "node1-2025-12-31-00:00:00", "a file, not a dump");
    make_dump(root, ".elsewhere", "vmcore");
    fs::create_directory_symlink(".elsewhere", root / "node1-2025-12-30-00:00:00");
    return {"node1-2026-01-02-00:00:00", "node1-2026-01-03-00:00:00", "node1-2026-01-04-00:00:00",
            "node1-2026-01-05-00:00:00"};
}

std::vector<std::string> never_removed() {
    return {"node1-2026-01-01-00:00:00", "node1-2026-01-05-00:00:00", "node2-2026-01-01-00:00:00",
            "node1-notes", "node1-2026-01-00-00:00:00x", "node1-2025-12-31-00:00:00",
            "node1-2025-12-30-00:00:00", ".elsewhere"};
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

kdf::DumpInfo next_dump() {
    kdf::DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-02-01-00:00:00";
    d.final_name = "vmcore";
    d.format = "kdump";
    return d;
}

std::string write_and_commit(kdf::Sink& sink) {
    kdf::CallOptions opts;
    opts.deadline = kdf::Clock::now() + std::chrono::seconds(20);
    const std::string bytes = "the new dump";
    kdf::Status s = sink.write_at(0, std::as_bytes(std::span(bytes.data(), bytes.size())), opts);
    if (s.is_ok()) s = sink.commit(opts);
    return s.is_ok() ? std::string() : s.to_string();
}

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

kdf::CallOptions soon() {
    kdf::CallOptions o;
    o.deadline = kdf::Clock::now() + std::chrono::seconds(20);
    o.stage = kdf::Stage::open;
    return o;
}

void set_rule_options(kdf::TargetConfig& target, const std::map<std::string, std::string>& rules,
                      const std::string& where) {
    for (const auto& [key, value] : rules) target.options[key] = kdf::OptionValue{value, where};
}

}  // namespace kdf_test
