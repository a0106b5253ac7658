// core/config/legacy_config.cpp - the kdump-failover 0.2 form; see legacy_config.h.
#include "core/config/legacy_config.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "core/compress/codec_registry.h"
#include "core/config/ini_lines.h"
#include "core/config/makedumpfile_options.h"
#include "core/config/mount_info.h"
#include "core/config/nearest_word.h"
#include "core/format/dump_format.h"
#include "kdf/options.h"

namespace kdf::chain {

namespace {

const std::vector<std::string>& legacy_keys() {
    static const std::vector<std::string> v{"core_collector", "kdump_post_script", "primary_mount",
                                            "primary_path",   "backup_mount",      "backup_path"};
    return v;
}

struct LegacyEntry {
    std::string value;
    int line = 0;
};

// Trimmed line that is neither blank nor a '#' comment (the 0.2 reader only knew '#').
bool is_content(std::string_view line) {
    line = kdf::trim(line);
    return !line.empty() && line.front() != '#';
}

// What `cut -d '=' -f 2` made of a whole `key=...` line: the text between the first and second '='.
std::string_view cut_field_2(std::string_view line) {
    size_t eq = line.find('=');
    std::string_view rest = line.substr(eq + 1);
    return rest.substr(0, rest.find('='));
}

}  // namespace

bool is_legacy_key(std::string_view key) {
    for (const std::string& k : legacy_keys())
        if (k == key) return true;
    return false;
}

bool looks_like_legacy_config(std::string_view text) {
    bool has_section = false, has_legacy_key = false;
    for_each_line(text, [&](int, std::string_view line) {
        if (!is_content(line)) return;
        line = kdf::trim(line);
        if (line.front() == '[') has_section = true;
        size_t eq = line.find('=');
        if (eq != std::string_view::npos && is_legacy_key(kdf::trim(line.substr(0, eq)))) has_legacy_key = true;
    });
    return has_legacy_key && !has_section;
}

std::string join_mount_path(std::string_view mount, std::string_view path) {
    std::string joined = std::string(mount) + "/" + std::string(path);
    std::string out;
    for (char c : joined)
        if (!(c == '/' && !out.empty() && out.back() == '/')) out += c;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

ConfigLoad parse_legacy_config(std::string_view text, const std::string& file_name, const LoadOptions& opts) {
    ConfigLoad out;
    std::vector<std::string> notes;  // line notices, after the main block
    std::map<std::string, LegacyEntry> entries;
    auto at = [&](int line) { return where(file_name, line) + ": "; };

    for_each_line(text, [&](int number, std::string_view raw) {
        if (!is_content(raw)) return;
        std::string_view line = kdf::trim(raw);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            out.errors.push_back(at(number) + "expected 'key=value', got '" + std::string(line) + "'");
            return;
        }
        std::string key(kdf::trim(line.substr(0, eq)));
        std::string value(kdf::trim(line.substr(eq + 1)));
        if (!is_legacy_key(key)) {
            std::string hint = did_you_mean(key, legacy_keys());
            out.errors.push_back(at(number) + "unknown kdump-failover 0.2 key '" + key + "'" +
                                 (hint.empty() ? " (a file without [sections] is read in the 0.2 form)" : hint));
            return;
        }
        if (auto it = entries.find(key); it != entries.end()) {
            out.errors.push_back(at(number) + "duplicate key '" + key + "' (first set at line " +
                                 std::to_string(it->second.line) + ")");
            return;
        }
        if (value.empty()) {
            out.errors.push_back(at(number) + "'" + key + "' has an empty value");
            return;
        }
        // 0.2 read values with `grep ^key= | cut -d= -f2`: say where that reading differs from ours.
        if (raw.substr(0, key.size() + 1) != key + "=") {
            notes.push_back(at(number) + "kdump-failover 0.2 did not see this line (it read only 'key=value' "
                                         "at the start of a line); it is used now");
        } else if (std::string_view cut = cut_field_2(raw); cut != value) {
            notes.push_back(at(number) + key + ": kdump-failover 0.2 read this value as '" + std::string(cut) +
                            "' (its `cut -d= -f2` stops at the second '='); the whole value '" + value +
                            "' is used now");
        }
        entries[key] = LegacyEntry{value, number};
    });

    auto find = [&](const char* key) -> const LegacyEntry* {
        auto it = entries.find(key);
        return it == entries.end() ? nullptr : &it->second;
    };

    // Both halves of each target must be there; name the line of the half that exists.
    for (const char* role : {"primary", "backup"}) {
        std::string mount_key = std::string(role) + "_mount", path_key = std::string(role) + "_path";
        const LegacyEntry* mount = find(mount_key.c_str());
        const LegacyEntry* path = find(path_key.c_str());
        if (!mount && !path) {
            out.errors.push_back(file_name + ": kdump-failover 0.2 config has no " + mount_key + " and no " + path_key +
                                 " (the " + role + " target's mount point and the directory below it)");
        } else if (!path) {
            out.errors.push_back(at(mount->line) + mount_key + " is set but " + path_key +
                                 " is missing (the directory below the mount point; '/' for the mount point itself)");
        } else if (!mount) {
            out.errors.push_back(at(path->line) + path_key + " is set but " + mount_key +
                                 " is missing (the mount point it is below)");
        } else if (mount->value.front() != '/') {
            out.errors.push_back(at(mount->line) + mount_key + " = " + mount->value +
                                 ": expected an absolute path such as /mnt/crash");
        }
    }
    if (!out.errors.empty()) {
        out.notices = std::move(notes);
        return out;
    }

    Config config;
    config.path = file_name;
    config.legacy = true;

    // The mount table tells the user what each mount point is today; missing entries are fine.
    int mount_err = 0;
    std::optional<std::string> mountinfo = read_small_file(opts.mountinfo_path, &mount_err);
    std::vector<MountEntry> mounts = mountinfo ? parse_mountinfo(*mountinfo) : std::vector<MountEntry>{};

    std::string block = file_name + ": kdump-failover 0.2 config read; the equivalent new form is:\n";
    std::string targets_text;
    for (const char* role : {"primary", "backup"}) {
        const LegacyEntry& mount = *find((std::string(role) + "_mount").c_str());
        const LegacyEntry& path = *find((std::string(role) + "_path").c_str());
        std::string what;
        if (!mountinfo) {
            what = "(mount table " + opts.mountinfo_path + " unreadable: " + std::strerror(mount_err) + ")";
        } else if (auto m = find_mount(mounts, mount.value)) {
            what = describe_mount(*m, opts.sys_block_dir);
        } else {
            what = "(not mounted now)";
        }
        block += "  # " + std::string(role) + "_mount " + mount.value + ": " + what + "\n";

        TargetSpec t;
        t.name = role;
        t.type = "local";
        t.where = where(file_name, mount.line);
        t.plugin_options["path"] = kdf::OptionValue{join_mount_path(mount.value, path.value), where(file_name, path.line)};
        std::string mount_point = join_mount_path(mount.value, "");
        t.plugin_options["mount_point"] = kdf::OptionValue{mount_point, where(file_name, mount.line)};
        targets_text += "\n  [target " + t.name + "]\n  type = local\n  path = " + t.plugin_options["path"].text +
                        "\n  mount_point = " + mount_point + "\n";
        config.targets.push_back(std::move(t));
        config.chain.targets.push_back(role);
    }

    // core_collector: carry over what this build can honour, note the rest.
    std::string dump_text;
    if (const LegacyEntry* cc = find("core_collector")) {
        MakedumpfileOptions m = parse_makedumpfile_options(cc->value);
        std::vector<std::string> not_applied, applied;
        if (!m.is_makedumpfile) {
            notes.push_back(at(cc->line) + "core_collector '" + cc->value +
                            "' is not makedumpfile; kdump-failover writes the vmcore itself, so it is not used");
        } else {
            if (m.level) {
                std::string line = "level = " + std::to_string(*m.level);
                if (*m.level >= 0 && *m.level <= 31) {
                    config.dump.level = *m.level;
                    dump_text += "  " + line + "\n";
                } else {
                    not_applied.push_back(m.level_flag + " (dump level " + std::to_string(*m.level) + ": " +
                                          "makedumpfile's dump levels are 0 to 31)");
                    dump_text += "  # " + line + "   # from core_collector " + m.level_flag + "; not supported yet\n";
                }
            }
            if (m.compress) {
                // snappy has no [dump] equivalent at all; the others are the registry's codecs.
                const std::vector<std::string> codecs = compress::builtin_codecs().names();
                if (std::find(codecs.begin(), codecs.end(), *m.compress) != codecs.end()) {
                    config.dump.compress = *m.compress;
                    dump_text += "  compress = " + *m.compress + "\n";
                } else {
                    not_applied.push_back(m.compress_flag + " (" + *m.compress + " compression: " +
                                          "this version has no such codec)");
                }
            }
            if (m.format) {
                if (format::find_dump_format(*m.format) != nullptr) {
                    config.dump.format = *m.format;
                    dump_text += "  format = " + *m.format + "\n";
                } else {
                    not_applied.push_back(m.format_flag + " (" + *m.format + " format: " +
                                          "this version has no such format)");
                    dump_text += "  # format = " + *m.format + "   # from core_collector " + m.format_flag +
                                 "; not supported yet\n";
                }
            }
            if (m.threads) {
                config.dump.threads = static_cast<unsigned>(*m.threads);
                dump_text += "  threads = " + std::to_string(*m.threads) + "\n";
            }
            if (m.non_mmap) {
                config.dump.mmap = false;
                dump_text += "  mmap = no   # from core_collector --non-mmap\n";
            }
            std::string note;
            if (!not_applied.empty()) {
                note = "noted but not applied: ";
                for (size_t i = 0; i < not_applied.size(); ++i) note += (i ? ", " : "") + not_applied[i];
                note += "; the dump is still saved, in full";
            }
            if (m.message_level) {
                if (!note.empty()) note += "; ";
                note += "--message-level has no equivalent (kdump-failover reports its own progress)";
            }
            if (!m.ignored.empty()) {
                if (!note.empty()) note += "; ";
                note += "not understood, ignored:";
                for (const std::string& w : m.ignored) note += " " + w;
            }
            if (!note.empty()) notes.push_back(at(cc->line) + "core_collector: " + note);
        }
    }
    if (const LegacyEntry* post = find("kdump_post_script")) {
        notes.push_back(at(post->line) + "kdump_post_script = " + post->value +
                        " is obsolete: kdump-failover is itself kdump's kdump_post hook now "
                        "(`kdump-failover post STATUS`); the script is not used");
    }

    if (!dump_text.empty()) block += "\n  [dump]\n" + dump_text;
    block += "\n  [chain]\n  targets = primary backup\n"
             "  # name = {host}-{date}   # the default; kdump-failover 0.2 named its dumps <date>-fallback\n";
    block += targets_text;
    while (!block.empty() && block.back() == '\n') block.pop_back();

    out.notices.push_back(std::move(block));
    for (std::string& n : notes) out.notices.push_back(std::move(n));
    config.notices = out.notices;
    out.config = std::move(config);
    return out;
}

}  // namespace kdf::chain
