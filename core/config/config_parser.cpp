// core/config/config_parser.cpp - the INI form of /etc/kdump-failover.conf (config.h).
//
// Two passes: read_ini_lines() turns text into section/entry lines (syntax errors), then
// ConfigParser gives them meaning (unknown keys, values, cross references). Both collect errors
// and go on, so the user sees every problem at once; the errors are sorted by line at the end.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>

#include "core/compress/auto_ladder.h"
#include "core/compress/codec_registry.h"
#include "core/config/config.h"
#include "core/config/dump_name.h"
#include "core/config/ini_lines.h"
#include "core/config/legacy_config.h"
#include "core/config/mount_info.h"
#include "core/config/nearest_word.h"
#include "core/format/dump_format.h"

namespace kdf::chain {

bool is_valid_target_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '.' || c == '-';
        if (!ok) return false;
    }
    return true;
}

namespace {

const std::vector<std::string>& section_names() {
    static const std::vector<std::string> v{"dump", "chain", "target", "fence_kdump"};
    return v;
}
const std::vector<std::string>& dump_keys() {
    static const std::vector<std::string> v{"level", "compress", "readers", "format", "dmesg", "threads", "mmap"};
    return v;
}
const std::vector<std::string>& chain_keys() {
    static const std::vector<std::string> v{"targets", "name", "mirror", "plugin_path"};
    return v;
}
const std::vector<std::string>& target_keys() { return kdf::chain_target_keys(); }
const std::vector<std::string>& fence_keys() {
    static const std::vector<std::string> v{"nodes", "port", "interval"};
    return v;
}

constexpr std::string_view duration_form = "expected a duration such as 30s, 5m or none";
constexpr std::string_view bool_form = "expected yes or no";
constexpr int max_threads = 1024;  // a typo guard: each thread holds compression buffers

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        bool is_sep = sep == ' ' ? (c == ' ' || c == '\t') : c == sep;
        if (is_sep) {
            if (!cur.empty()) out.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(std::move(cur));
    return out;
}

// The values `compress` takes: every codec the registry has, and auto (chosen during the dump).
const std::vector<std::string>& codec_names() {
    static const std::vector<std::string> v = [] {
        std::vector<std::string> names = compress::builtin_codecs().names();
        names.push_back("auto");
        return names;
    }();
    return v;
}
// The values `format` takes: auto (chosen from the target's write mode) and every dump format.
const std::vector<std::string>& format_names() {
    static const std::vector<std::string> v = [] {
        std::vector<std::string> names{"auto"};
        for (std::string& f : format::dump_format_names()) names.push_back(std::move(f));
        return names;
    }();
    return v;
}

// "expected one of a, b, c" and, for a near miss, "; did you mean 'b'?".
std::string expected_one_of(std::string_view value, const std::vector<std::string>& choices) {
    std::string out = "expected one of ";
    for (size_t i = 0; i < choices.size(); ++i) out += (i ? ", " : "") + choices[i];
    return out + did_you_mean(value, choices);
}

class ConfigParser {
public:
    explicit ConfigParser(const std::string& file) : file_(file) { config_.path = file; }

    ConfigLoad run(std::string_view text) {
        IniText ini = read_ini_lines(text, file_);
        errors_ = std::move(ini.errors);
        for (const IniLine& l : ini.lines) {
            if (l.kind == IniLine::Kind::section) on_section(l);
            else on_entry(l);
        }
        finish();

        // Sort by line so the output reads like the file; "FILE: ..." (no line) goes last.
        auto line_of = [&](const std::string& e) {
            size_t p = file_.size() + 1;
            if (e.size() <= p || e.compare(0, file_.size(), file_) != 0 || e[file_.size()] != ':') return INT_MAX;
            int n = 0;
            bool any = false;
            for (; p < e.size() && e[p] >= '0' && e[p] <= '9'; ++p, any = true) n = n * 10 + (e[p] - '0');
            return any ? n : INT_MAX;
        };
        std::stable_sort(errors_.begin(), errors_.end(),
                         [&](const std::string& a, const std::string& b) { return line_of(a) < line_of(b); });

        ConfigLoad out;
        out.errors = std::move(errors_);
        if (out.errors.empty()) out.config = std::move(config_);
        return out;
    }

private:
    enum class Kind { none, skip, dump, chain, target, fence };

    struct TargetSection {
        TargetSpec spec;
        int line = 0;
        int compress_line = 0;
        bool has_type = false;
    };

    std::string at(int line) const { return where(file_, line) + ": "; }
    void error(int line, const std::string& message) { errors_.push_back(at(line) + message); }
    void bad_value(const IniLine& l, std::string_view problem) {
        error(l.line, l.key + " = " + l.value + ": " + std::string(problem));
    }

    void on_section(const IniLine& l) {
        seen_.clear();
        kind_ = Kind::skip;
        const std::string& s = l.section;
        if (s.empty()) return;  // a broken header, reported by read_ini_lines(): skip its keys quietly
        if (!contains(section_names(), s)) {
            std::string near = nearest_word(s, section_names());
            error(l.line, "unknown section [" + s + "]" +
                              (near.empty() ? " (sections: [dump], [chain], [target NAME], [fence_kdump])"
                                            : "; did you mean [" + near + "]?"));
            return;
        }
        if (s == "target") {
            on_target_section(l);
            return;
        }
        if (!l.argument.empty())
            error(l.line, "[" + s + "] takes no name (found '" + l.argument + "'); only [target NAME] does");
        int* first = s == "dump" ? &dump_line_ : s == "chain" ? &chain_line_ : &fence_line_;
        if (*first != 0) {
            error(l.line, "duplicate section [" + s + "] (first at line " + std::to_string(*first) +
                              "); merge the two");
            return;
        }
        *first = l.line;
        section_label_ = "[" + s + "]";
        if (s == "dump") {
            kind_ = Kind::dump;
        } else if (s == "chain") {
            kind_ = Kind::chain;
            config_.chain.where = where(file_, l.line);
        } else {
            kind_ = Kind::fence;
            config_.fence.emplace();
            config_.fence->where = where(file_, l.line);
        }
    }

    void on_target_section(const IniLine& l) {
        const std::string& name = l.argument;
        if (name.empty()) {
            error(l.line, "[target] needs a name, e.g. [target primary]");
            return;
        }
        if (!is_valid_target_name(name)) {
            error(l.line, "bad target name '" + name + "': use only letters, digits, '_', '.' and '-'");
            bad_target_sections_.insert(name);
            return;
        }
        for (const TargetSection& t : targets_)
            if (t.spec.name == name) {
                error(l.line, "duplicate section [target " + name + "] (first at line " + std::to_string(t.line) +
                                  "); merge the two");
                return;
            }
        TargetSection t;
        t.spec.name = name;
        t.spec.where = where(file_, l.line);
        t.line = l.line;
        targets_.push_back(std::move(t));
        kind_ = Kind::target;
        section_label_ = "[target " + name + "]";
    }

    void on_entry(const IniLine& l) {
        if (kind_ == Kind::skip) return;  // already reported: unknown or duplicate section
        if (kind_ == Kind::none) {
            if (is_legacy_key(l.key)) {
                error(l.line, "'" + l.key +
                                  "' is a kdump-failover 0.2 key, but this file also has [section] lines; "
                                  "use one form (the 0.2 form has no sections)");
                return;
            }
            std::string home = contains(dump_keys(), l.key)     ? " (it belongs in [dump])"
                               : contains(chain_keys(), l.key)  ? " (it belongs in [chain])"
                               : contains(target_keys(), l.key) ? " (it belongs in a [target NAME] section)"
                               : contains(fence_keys(), l.key)  ? " (it belongs in [fence_kdump])"
                                                                : "";
            error(l.line, "'" + l.key + "' is set before any [section]" + home);
            return;
        }
        if (auto it = seen_.find(l.key); it != seen_.end()) {
            error(l.line, "duplicate key '" + l.key + "' in " + section_label_ + " (first set at line " +
                              std::to_string(it->second) + ")");
            return;
        }
        seen_[l.key] = l.line;
        if (kind_ == Kind::fence && l.key == "nodes") fence_nodes_seen_ = true;
        if (kind_ == Kind::target && l.key == "type") targets_.back().has_type = true;
        if (l.value.empty()) {
            if (l.key == "targets") chain_targets_line_ = -1;  // set but broken: no follow-up errors
            return;  // read_ini_lines() reported it
        }
        switch (kind_) {
        case Kind::dump: on_dump(l); break;
        case Kind::chain: on_chain(l); break;
        case Kind::target: on_target(l); break;
        case Kind::fence: on_fence(l); break;
        default: break;
        }
    }

    void unknown_key(const IniLine& l, const std::vector<std::string>& known) {
        std::string hint = did_you_mean(l.key, known);
        if (hint.empty()) {
            hint = " (keys:";
            for (size_t i = 0; i < known.size(); ++i) hint += (i ? ", " : " ") + known[i];
            hint += ")";
        }
        error(l.line, "unknown key '" + l.key + "' in " + section_label_ + hint);
    }

    void on_dump(const IniLine& l) {
        DumpSettings& d = config_.dump;
        if (l.key == "level") {
            auto v = kdf::parse_integer(l.value);
            if (!v || *v < 0 || *v > 31) return bad_value(l, "expected a dump level 0..31");
            d.level = static_cast<int>(*v);
        } else if (l.key == "compress") {
            if (!contains(codec_names(), l.value)) return bad_value(l, expected_one_of(l.value, codec_names()));
            d.compress = l.value;
            dump_compress_line_ = l.line;
        } else if (l.key == "readers") {
            if (!contains(compress::auto_reader_sets(), l.value))
                return bad_value(l, expected_one_of(l.value, compress::auto_reader_sets()));
            d.readers = l.value;
        } else if (l.key == "format") {
            if (check_format(l)) {
                d.format = l.value;
                d.format_where = where(file_, l.line);
            }
        } else if (l.key == "dmesg") {
            auto v = kdf::parse_bool(l.value);
            if (!v) return bad_value(l, bool_form);
            d.dmesg = *v;
        } else if (l.key == "mmap") {
            auto v = kdf::parse_bool(l.value);
            if (!v) return bad_value(l, bool_form);
            d.mmap = *v;
        } else if (l.key == "threads") {
            auto v = kdf::parse_integer(l.value);
            if (!v || *v < 0 || *v > max_threads)
                return bad_value(l, "expected a number of threads 0.." + std::to_string(max_threads) +
                                        " (0 = one per online CPU)");
            d.threads = static_cast<unsigned>(*v);
        } else {
            unknown_key(l, dump_keys());
        }
    }

    void on_chain(const IniLine& l) {
        ChainSettings& c = config_.chain;
        if (l.key == "targets") {
            // Checked in finish(): a bad name is reported at its [target] section when there is one,
            // and that section may come after this line.
            chain_targets_line_ = l.line;
            chain_target_words_ = split(l.value, ' ');
        } else if (l.key == "name") {
            std::string problem = check_dump_name_pattern(l.value);
            if (!problem.empty()) return bad_value(l, problem);
            c.name_pattern = l.value;
        } else if (l.key == "mirror") {
            auto v = kdf::parse_bool(l.value);
            if (!v) return bad_value(l, bool_form);
            c.mirror = *v;
        } else if (l.key == "plugin_path") {
            for (const std::string& dir : split(l.value, ':')) {
                if (dir.front() != '/') {
                    bad_value(l, "'" + dir + "' is not an absolute directory");
                    continue;
                }
                c.plugin_path.push_back(dir);
            }
        } else {
            unknown_key(l, chain_keys());
        }
    }

    void on_target(const IniLine& l) {
        TargetSpec& t = targets_.back().spec;
        if (l.key == "type") {
            if (!is_valid_target_name(l.value))
                return bad_value(l, "expected a plugin name such as local (letters, digits, '_', '.', '-')");
            t.type = l.value;
        } else if (l.key == "connect_timeout" || l.key == "stall_timeout" || l.key == "total_timeout") {
            auto ms = kdf::parse_duration_ms(l.value);
            if (!ms) return bad_value(l, duration_form);
            if (*ms == 0 && l.key != "total_timeout")
                return bad_value(l, "must be more than zero, e.g. 60s (only total_timeout may be none)");
            (l.key == "connect_timeout" ? t.connect_ms : l.key == "stall_timeout" ? t.stall_ms : t.total_ms) = *ms;
        } else if (l.key == "format") {
            if (check_format(l)) {
                t.format = l.value;
                t.format_where = where(file_, l.line);
            }
        } else if (l.key == "compress") {
            if (!contains(codec_names(), l.value)) return bad_value(l, expected_one_of(l.value, codec_names()));
            t.compress = l.value;
            targets_.back().compress_line = l.line;
        } else if (l.key == "readers") {
            if (!contains(compress::auto_reader_sets(), l.value))
                return bad_value(l, expected_one_of(l.value, compress::auto_reader_sets()));
            t.readers = l.value;
        } else {
            t.plugin_options[l.key] = kdf::OptionValue{l.value, where(file_, l.line)};
        }
    }

    // [dump] format and a target's own format take the same values.
    bool check_format(const IniLine& l) {
        if (contains(format_names(), l.value)) return true;
        bad_value(l, expected_one_of(l.value, format_names()));
        return false;
    }

    void on_fence(const IniLine& l) {
        FenceSettings& f = *config_.fence;
        if (l.key == "nodes") {
            f.nodes = split(l.value, ' ');
        } else if (l.key == "port") {
            auto v = kdf::parse_integer(l.value);
            if (!v || *v < 1 || *v > 65535) return bad_value(l, "expected a UDP port 1..65535");
            f.port = static_cast<uint16_t>(*v);
        } else if (l.key == "interval") {
            auto ms = kdf::parse_duration_ms(l.value);
            if (!ms) return bad_value(l, duration_form);
            if (*ms == 0) return bad_value(l, "must be more than zero, e.g. 10s");
            f.interval_ms = *ms;
        } else {
            unknown_key(l, fence_keys());
        }
    }

    void check_chain_targets() {
        std::vector<std::string>& names = config_.chain.targets;
        for (const std::string& name : chain_target_words_) {
            if (!is_valid_target_name(name)) {
                if (!bad_target_sections_.count(name))  // else reported at its section already
                    error(chain_targets_line_,
                          "bad target name '" + name + "' in targets: use only letters, digits, '_', '.' and '-'");
                continue;
            }
            if (contains(names, name)) {
                error(chain_targets_line_, "target '" + name + "' is listed twice in targets");
                continue;
            }
            names.push_back(name);
        }
    }

    void finish() {
        check_chain_targets();
        if (chain_line_ == 0) {
            errors_.push_back(file_ + ": no [chain] section; add one that lists the targets in order, "
                                      "e.g. 'targets = primary backup'");
        } else if (chain_targets_line_ == 0) {
            error(chain_line_, "[chain] has no 'targets'; list the targets in order, e.g. 'targets = primary backup'");
        }

        std::vector<std::string> defined;
        for (const TargetSection& t : targets_) defined.push_back(t.spec.name);
        for (const std::string& name : config_.chain.targets) {
            if (!contains(defined, name))
                error(chain_targets_line_, "target '" + name + "' in targets has no [target " + name + "] section" +
                                               did_you_mean(name, defined));
        }
        for (const TargetSection& t : targets_) {
            if (!t.has_type)
                error(t.line, "[target " + t.spec.name + "] has no 'type' (the plugin name, e.g. 'type = local')");
            if (chain_targets_line_ > 0 && !contains(config_.chain.targets, t.spec.name))
                error(t.line, "[target " + t.spec.name + "] is not used: add '" + t.spec.name +
                                  "' to targets in [chain] or remove the section");
        }
        // ELF stores pages uncompressed: `auto` would have nothing to choose, so it is refused
        // rather than quietly meaning none.
        for (const TargetSection& t : targets_) {
            const std::string& format = t.spec.format.empty() ? config_.dump.format : t.spec.format;
            const std::string& codec = t.spec.compress.empty() ? config_.dump.compress : t.spec.compress;
            if (codec != "auto" || format != "elf") continue;
            error(t.compress_line ? t.compress_line : dump_compress_line_,
                  "compress = auto: target '" + t.spec.name +
                      "' is written as ELF (format = elf), which stores pages uncompressed; use format = kdump, flat "
                      "or auto, or compress = none");
        }
        if (fence_line_ != 0 && !fence_nodes_seen_)
            error(fence_line_, "[fence_kdump] has no 'nodes' (the cluster nodes to tell that this one is dumping)");

        for (const std::string& name : config_.chain.targets)
            for (TargetSection& t : targets_)
                if (t.spec.name == name) config_.targets.push_back(t.spec);
    }

    const std::string& file_;
    Config config_;
    std::vector<std::string> errors_;
    Kind kind_ = Kind::none;
    std::string section_label_;
    std::map<std::string, int> seen_;  // keys of the current section -> line
    int dump_line_ = 0, chain_line_ = 0, fence_line_ = 0;
    int dump_compress_line_ = 0;
    int chain_targets_line_ = 0;       // 0 = not set, -1 = set but empty
    std::vector<std::string> chain_target_words_;
    bool fence_nodes_seen_ = false;
    std::vector<TargetSection> targets_;
    std::set<std::string> bad_target_sections_;
};

}  // namespace

ConfigLoad parse_config(std::string_view text, const std::string& file_name, const LoadOptions& opts) {
    if (looks_like_legacy_config(text)) return parse_legacy_config(text, file_name, opts);
    return ConfigParser(file_name).run(text);
}

ConfigLoad load_config(const std::string& path, const LoadOptions& opts) {
    int err = 0;
    std::optional<std::string> text = read_small_file(path, &err);
    if (!text) {
        ConfigLoad out;
        out.errors.push_back(path + ": cannot read: " + std::strerror(err));
        return out;
    }
    return parse_config(*text, path, opts);
}

}  // namespace kdf::chain
