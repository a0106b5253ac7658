// local_options.h - the `local` transport's option schema (as data) and its parsed form.
//
// local_option_specs() is what describe() publishes, so `kdump-failover check` validates keys,
// types and choices offline. parse_local_options() turns a TargetConfig into LocalOptions and
// applies the cross-field rules check() owes the host. It does no I/O: whether a path exists or is
// mounted is open()'s and probe()'s business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/options.h"
#include "kdf/retention.h"
#include "kdf/status.h"

namespace kdf::local {

enum class Mode { dir, raw };

struct LocalOptions {
    Mode mode = Mode::dir;
    std::string path;         // dir mode: the existing directory dumps go under (normalised)
    std::string device;       // raw mode: block device, or a regular file standing in for one
    std::string mount_point;  // dir mode: must be a mount point holding `path`; "" = no check
    uint64_t reserve = 64ull << 20;  // dir mode: refuse to start below this much free space
    bool fsync = true;        // fsync the dump data before commit() reports success
    bool force = false;       // raw mode: write even over a device that holds something (a filesystem...)
    RetentionPolicy retention;  // dir mode: keep / min_free (kdf/retention.h)
};

// The schema, in the order `kdump-failover plugins` prints it.
std::vector<OptionSpec> local_option_specs();

// Parses and cross-checks a target's options. Keys the host did not fill in get the schema's
// defaults, so a bare TargetConfig (as in tests) behaves like one the host prepared.
// Errors are Code::invalid_config and name the config line (target.where_of(key)).
Result<LocalOptions> parse_local_options(const TargetConfig& target);

// "/a//b/./c/" -> "/a/b/c": purely lexical ('..' is kept, and refused by the caller).
std::string normalize_path(const std::string& path);

// True when `inner` is `outer` or lies below it; both already normalised and absolute.
bool path_is_at_or_below(const std::string& inner, const std::string& outer);

}  // namespace kdf::local
