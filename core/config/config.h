// core/config/config.h - the configuration model: /etc/kdump-failover.conf, parsed and checked.
//
// Purpose: turn the config file into plain data the supervisor runs (Config), or into a list of
// one-line errors "FILE:LINE: message" that `kdump-failover check` prints. Every problem in the file
// is reported, not only the first, so a user fixes a config in one round.
//
// Two input forms are accepted, detected automatically:
//  - the INI form (docs/architecture.md "Configuration"): [dump], [chain], [target NAME], [fence_kdump];
//  - the kdump-failover 0.2 form (six key=value lines), mapped onto a two-target
//    chain with a notice that shows the equivalent INI text (legacy_config.h).
//
// What is NOT checked here: a target's plugin keys. They are kept with their file:line and checked
// against the plugin's option schema by validate_target() (target_validation.h) once the plugin is
// loaded, so this library needs no plugin loader.
//
// Ownership/threads: plain values, no I/O except load_config() reading the file and the mount table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/options.h"

namespace kdf::chain {

// [dump]: how the vmcore is written. Defaults are the values a file without [dump] gets.
struct DumpSettings {
    int level = 0;                // makedumpfile dump level 0..31 (bitmask of page types dropped)
    std::string compress = "zlib";  // none|zlib|lzo|lz4|zstd|auto; zlib: every reader (crash, makedumpfile, drgn) has it
                                    // auto: chosen per batch from the sink's drain rate (codec_chooser.h)
    std::string readers = "any";    // auto only: the readers the dump must suit (any|makedumpfile-1.7.2)
    std::string format = "auto";  // auto|kdump|flat|elf; auto = chosen from the sink's capabilities
    std::string format_where;     // "file:line" of the format key; empty for the default
    bool dmesg = true;            // write vmcore-dmesg.txt before the vmcore
    unsigned threads = 0;         // compression threads; 0 = online CPUs
    bool mmap = true;             // read /proc/vmcore through mmap windows (no: pread, makedumpfile's --non-mmap)
};

// [chain]: the targets in order and how a dump is named.
struct ChainSettings {
    std::vector<std::string> targets;       // target names, in the order they are tried
    std::string name_pattern = "{host}-{date}";  // dump directory name (dump_name.h)
    bool mirror = false;                    // `post 0`: copy a dump kdump already saved to the chain too
    std::vector<std::string> plugin_path;   // searched before the built-in plugin directory
    std::string where;                      // "file:line" of the [chain] header
};

// One [target NAME] section. Host keys are parsed; the plugin's keys wait for validate_target().
struct TargetSpec {
    std::string name;
    std::string type;            // plugin name
    std::string where;           // "file:line" of the section header
    uint64_t connect_ms = 60'000;
    uint64_t stall_ms = 60'000;
    uint64_t total_ms = 0;       // 0 = unlimited
    std::string format;          // auto|kdump|flat|elf for this target; empty = [dump] format
    std::string format_where;    // "file:line" of the target's format key, when it has one
    std::string compress;        // this target's compression; empty = [dump] compress
    std::string readers;         // this target's reader set for compress = auto; empty = [dump] readers
    std::map<std::string, kdf::OptionValue> plugin_options;
    // Defaults from outside the config (Debian's KDUMP_NUM_DUMPS as `keep`): applied by
    // validate_target() only when the plugin declares the key and the section does not set it.
    std::map<std::string, kdf::OptionValue> inherited_defaults;
};

// [fence_kdump]: stored now, used by the fence_kdump sender.
struct FenceSettings {
    std::vector<std::string> nodes;
    uint16_t port = 7410;
    uint64_t interval_ms = 10'000;
    std::string where;
};

struct Config {
    std::string path;                  // the file it was read from (or the name given to parse_config)
    bool legacy = false;               // read from the kdump-failover 0.2 form
    DumpSettings dump;
    ChainSettings chain;
    std::vector<TargetSpec> targets;   // in chain order
    std::optional<FenceSettings> fence;
    std::vector<std::string> notices;  // things the user should read; may span several lines
};

// Either a config (errors empty) or the errors, each "FILE:LINE: message" (or "FILE: message" when
// no single line is to blame). Notices may be present in both cases.
struct ConfigLoad {
    std::optional<Config> config;
    std::vector<std::string> errors;
    std::vector<std::string> notices;  // also copied into config->notices on success
};

struct LoadOptions {
    // The legacy form names mount points; their devices are looked up here (tests inject a file).
    std::string mountinfo_path = "/proc/self/mountinfo";
    // For /dev/dm-N sources: <sys_block_dir>/dm-N/dm/name holds the device-mapper name.
    std::string sys_block_dir = "/sys/block";
};

// The default config location.
inline constexpr std::string_view default_config_path = "/etc/kdump-failover.conf";

// Reads and parses `path`. An unreadable file is one error "PATH: cannot read: <reason>".
ConfigLoad load_config(const std::string& path, const LoadOptions& opts = {});

// Parses `text` as if read from `file_name` (used in every message).
ConfigLoad parse_config(std::string_view text, const std::string& file_name, const LoadOptions& opts = {});

// True when `name` is a valid target name: [A-Za-z0-9_.-]+.
bool is_valid_target_name(std::string_view name);

}  // namespace kdf::chain
