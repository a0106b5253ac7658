// kdf/retention.h - `keep` and `min_free`: room for the next dump, made from this host's old ones.
//
// A file target that receives every crash of a node fills up. Before open() creates the new dump
// directory, a transport that offers retention removes the oldest *complete* dumps of *this host*
// on the target:
//   keep = N      at most N complete dumps of this host once the new one is written: the oldest
//                 beyond N-1 go before it is written (0, the default: no count limit);
//   min_free = S  while the target has less than S free, the oldest go (0, the default: off).
// Whatever the settings, these are never removed: an incomplete dump (vmcore-incomplete, or no
// dump file at all: someone's dump may still be arriving or be the only trace of a crash), a dump
// of another host, anything whose name is not a dump directory name, and the newest complete dump
// of this host (the new dump may fail; the last good one must survive it).
//
// Which directories are dumps of this host: names `<host>-YYYY-MM-DD-HH:MM:SS`, the default
// `[chain] name`, with DumpInfo::host as <host>. Their order is the time in the name (it sorts as
// text), never a file time, which a server's clock or a copy could change.
//
// How a transport offers it: it declares retention_option_specs() in its schema, implements
// DumpStore over its own connection (list the target directory, remove one dump directory, free
// space) and calls apply_retention() in open(), after it connected and before it creates the new
// dump. All in the attempt process, so the supervisor's clocks cover it; nothing crosses the plugin
// boundary, so the ABI is unchanged. Each removal is one line on standard error (the console).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/names.h"
#include "kdf/options.h"
#include "kdf/size_text.h"
#include "kdf/status.h"
#include "kdf/target_options.h"

namespace kdf {

struct RetentionPolicy {
    uint64_t keep = 0;      // complete dumps of this host after the new one; 0 = no count limit
    uint64_t min_free = 0;  // bytes; 0 = no free-space rule
    bool active() const noexcept { return keep != 0 || min_free != 0; }
};

// The two schema entries every retention-capable transport declares, worded once.
inline std::vector<OptionSpec> retention_option_specs() {
    return {
        {"keep", OptionType::integer, false, "0",
         "before writing, remove this host's oldest complete dumps so that at most this many remain with the new "
         "one (0: keep all; the newest is never removed)",
         ""},
        {"min_free", OptionType::size, false, "0",
         "before writing, remove this host's oldest complete dumps while less than this is free (0: off)", ""},
    };
}

inline Result<RetentionPolicy> parse_retention(const TargetConfig& target, std::string_view plugin) {
    const std::vector<OptionSpec> specs = retention_option_specs();
    RetentionPolicy p;
    const std::string keep = option_value(target, specs, "keep");
    const auto n = parse_integer(keep);
    if (!n || *n < 0) return option_error(target, plugin, "keep", "keep '" + keep + "' is not a count (0 or more)");
    p.keep = static_cast<uint64_t>(*n);
    const std::string min_free = option_value(target, specs, "min_free");
    const auto size = parse_size(min_free);
    if (!size) return option_error(target, plugin, "min_free", "min_free '" + min_free + "' is not a size (e.g. 10G)");
    p.min_free = *size;
    return p;
}

// What a transport implements over its connection for apply_retention(). Each call must honour
// opts.deadline. Only this host's directories are looked into, so a target that thousands of nodes
// share costs one listing plus one look per dump of this node.
class DumpStore {
public:
    virtual ~DumpStore() = default;
    // The names of the directories directly in the target directory (files and links left out).
    virtual Result<std::vector<std::string>> list(const CallOptions& opts) = 0;
    // True when directory `name` holds a finished dump: a plain file "vmcore" or "vmcore.flat".
    virtual Result<bool> complete(const std::string& name, const CallOptions& opts) = 0;
    // Removes dump directory `name`: its plain files, then the directory. Anything else inside
    // (a subdirectory, a link) is an error and the directory stays.
    virtual Status remove(const std::string& name, const CallOptions& opts) = 0;
    // Bytes free for us in the target directory's filesystem.
    virtual Result<uint64_t> free_bytes(const CallOptions& opts) = 0;
};

// True when `name` is `<host>-YYYY-MM-DD-HH:MM:SS`.
inline bool is_dump_of_host(std::string_view name, std::string_view host) {
    constexpr std::string_view stamp = "0000-00-00-00:00:00";
    if (host.empty() || name.size() != host.size() + 1 + stamp.size()) return false;
    if (name.substr(0, host.size()) != host || name[host.size()] != '-') return false;
    const std::string_view date = name.substr(host.size() + 1);
    for (size_t i = 0; i < stamp.size(); ++i) {
        const bool digit = date[i] >= '0' && date[i] <= '9';
        if (stamp[i] == '0' ? !digit : date[i] != stamp[i]) return false;
    }
    return true;
}

// This host's complete dumps in the store, oldest first (the stamp sorts as time).
inline Result<std::vector<std::string>> complete_dumps_of(DumpStore& store, std::string_view host,
                                                          const CallOptions& opts) {
    Result<std::vector<std::string>> listed = store.list(opts);
    if (!listed.is_ok()) return listed.take_status();
    std::vector<std::string> mine;
    for (const std::string& name : listed.value()) {
        if (!is_dump_of_host(name, host)) continue;
        Result<bool> done = store.complete(name, opts);
        if (!done.is_ok()) return done.take_status();
        if (done.value()) mine.push_back(name);
    }
    std::sort(mine.begin(), mine.end());
    return mine;
}

// Applies `policy` to the target behind `store` for dumps of `host`; `plugin` and `where` (the
// target directory as messages show it) prefix the console lines. Returns the names removed,
// oldest first. A dump directory that cannot be removed (it holds more than the dump's files, the
// server refuses) is kept with a warning line and the next one is tried: a stray file in an old dump
// must not cost every later crash its target; the `reserve` check after retention still guards
// the space. Failing to list, a timeout, or a lost connection fails the call.
inline Result<std::vector<std::string>> apply_retention(DumpStore& store, const RetentionPolicy& policy,
                                                        std::string_view host, std::string_view plugin,
                                                        std::string_view where, const CallOptions& opts) {
    std::vector<std::string> removed;
    if (!policy.active()) return removed;
    // Candidates: this host's complete dumps but the newest, which is never removed.
    Result<std::vector<std::string>> found = complete_dumps_of(store, host, opts);
    if (!found.is_ok()) return found.take_status();
    std::vector<std::string> candidates = std::move(found.value());
    const size_t complete_mine = candidates.size();
    if (!candidates.empty()) candidates.pop_back();
    const auto say = [&](const char* what, const std::string& name, const std::string& why) {
        std::fprintf(stderr, "%.*s: retention: %s %.*s/%s (%s)\n", static_cast<int>(plugin.size()), plugin.data(), what,
                     static_cast<int>(where.size()), where.data(), name.c_str(), why.c_str());
    };
    size_t next = 0;
    // Tries the next candidate; an error only when the target itself failed (timeout, connection).
    auto remove_next = [&](const std::string& why) -> Status {
        const std::string& name = candidates[next++];
        Status s = store.remove(name, opts);
        if (s.is_ok()) {
            say("removed", name, why);
            removed.push_back(name);
        } else if (s.code() == Code::timeout || opts.expired()) {
            return s;
        } else {
            say("kept", name, "cannot remove it: " + s.to_string());
        }
        return Status::ok();
    };
    if (policy.keep != 0) {
        // keep counts the dump about to be written; the newest existing one survives even keep = 1.
        const uint64_t old_to_keep = std::max<uint64_t>(policy.keep - 1, 1);
        while (next < candidates.size() && complete_mine - removed.size() > old_to_keep)
            if (Status s = remove_next("keep = " + std::to_string(policy.keep)); !s.is_ok()) return s;
    }
    if (policy.min_free != 0) {
        for (;;) {
            Result<uint64_t> free = store.free_bytes(opts);
            if (!free.is_ok()) return free.take_status();
            if (free.value() >= policy.min_free || next == candidates.size()) break;
            if (Status s = remove_next("only " + size_text(free.value()) + " free, min_free = " +
                                       size_text(policy.min_free));
                !s.is_ok())
                return s;
        }
    }
    return removed;
}

}  // namespace kdf
