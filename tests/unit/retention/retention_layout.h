// retention_layout.h - the directory every retention test starts from, and what must survive.
//
// In one target directory (made on this machine: local, or the directory sshd or ganesha serve):
//   node1-2026-01-01-00:00:00   incomplete (vmcore-incomplete)  - older than everything: kept
//   node1-2026-01-02-00:00:00   complete (vmcore)
//   node1-2026-01-03-00:00:00   complete (vmcore.flat)
//   node1-2026-01-04-00:00:00   complete (vmcore)
//   node1-2026-01-05-00:00:00   complete (vmcore), the newest
//   node2-2026-01-01-00:00:00   complete, another host: kept
//   node1-notes                 a directory whose name is no dump stamp: kept
//   node1-2026-01-00-00:00:00x  no dump stamp either: kept
//   node1-2025-12-31-00:00:00   a plain file named like a dump: kept
//   node1-2025-12-30-00:00:00   a symbolic link named like a dump, to a directory with a vmcore: kept
// Each dump directory also holds vmcore-dmesg.txt.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/transport.h"

namespace kdf_test {

// Makes the layout in `dir` (which exists) and returns the names of node1's complete dumps,
// oldest first.
std::vector<std::string> make_retention_layout(const std::string& dir);

// Every name in the layout that no rule may ever remove.
std::vector<std::string> never_removed();

// The names directly in `dir`, sorted.
std::vector<std::string> entries(const std::string& dir);

// DumpInfo of node1's next dump.
kdf::DumpInfo next_dump();

// Writes a few bytes through `sink` and commits; "" or the failure.
std::string write_and_commit(kdf::Sink& sink);

bool has(const std::vector<std::string>& names, const std::string& name);

// CallOptions for an open or probe at stage open: the servers run on loopback on this machine, so a
// generous deadline only ends a run that hangs.
kdf::CallOptions soon();

// Sets each of `rules` (keep, min_free, ...) on `target`, as read from config line `where`.
void set_rule_options(kdf::TargetConfig& target, const std::map<std::string, std::string>& rules,
                      const std::string& where);

}  // namespace kdf_test
