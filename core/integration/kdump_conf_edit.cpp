#include "core/integration/kdump_conf_edit.h"

#include <algorithm>
#include <map>
#include <optional>

#include "core/integration/managed_block.h"
#include "core/integration/text_lines.h"

namespace kdf::integration {

namespace {

constexpr std::string_view kAddedPrefix = "# added to your ";
constexpr std::string_view kAddedMiddle = " line: ";

// One directive as kdumpctl reads it (kdump-lib-initramfs.sh kdump_get_conf_val): lines whose first
// non-blank is '#' and blank lines are skipped; the first word is the option; the value is the rest
// up to the first '#', trailing blanks removed. value_begin/value_end index into the line's text.
struct Directive {
    std::string key;
    size_t value_begin = 0;
    size_t value_end = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::optional<Directive> parse_directive(const std::string& text) {
    size_t i = 0;
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i == text.size() || text[i] == '#') return std::nullopt;
    size_t key_begin = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    Directive d;
    d.key = text.substr(key_begin, i - key_begin);
    while (i < text.size() && is_blank(text[i])) ++i;
    d.value_begin = i;
    size_t end = text.find('#', i);
    if (end == std::string::npos) end = text.size();
    while (end > d.value_begin && is_blank(text[end - 1])) --end;
    d.value_end = end;
    return d;
}

std::string value_of(const std::string& text, const Directive& d) {
    return text.substr(d.value_begin, d.value_end - d.value_begin);
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::string unquote(std::string w) {
    std::erase(w, '"');
    std::erase(w, '\'');
    return w;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Where a key's words live: our block's own directive line, or a user line we added words to.
struct Ours {
    std::map<std::string, std::vector<std::string>> words;  // key -> words that are ours
};


void describe_changes(const Ours& before, const Ours& after, ConfEdit& out) {
    for (const char* key : {"kdump_post", "extra_bins", "dracut_args"}) {
        static const std::vector<std::string> none;
        auto b = before.words.count(key) ? before.words.at(key) : none;
        auto a = after.words.count(key) ? after.words.at(key) : none;
        std::vector<std::string> added, removed;
        for (const auto& w : a)
            if (!contains(b, w)) added.push_back(w);
        for (const auto& w : b)
            if (!contains(a, w)) removed.push_back(w);
        if (!added.empty()) out.changes.push_back(std::string(key) + ": added " + join(added));
        if (!removed.empty()) out.changes.push_back(std::string(key) + ": removed " + join(removed));
    }
}

}  // namespace

namespace {

constexpr std::string_view kDigestPrefix = "# inputs digest: ";

// What the previous run made ours, and the user's lines with our words taken out again.
struct Stripped {
    Ours before;
    std::string digest_before;
    std::map<std::string, size_t> user_line;  // key -> first line index outside the block
};

Stripped strip_our_words(TextLines& t, const BlockSearch& found, const std::string& file_name, ConfEdit& out) {
    Stripped s;
    // 1. The block's directives and its "added to your ... line" notes.
    std::map<std::string, std::string> added_phrase;  // key -> the exact words appended to a user line
    if (found.block) {
        for (size_t i = found.block->begin + 1; i < found.block->end; ++i) {
            const std::string& line = t.lines[i].text;
            if (line.starts_with(kDigestPrefix)) {
                s.digest_before = line.substr(kDigestPrefix.size());
            } else if (line.starts_with(kAddedPrefix)) {
                size_t mid = line.find(kAddedMiddle);
                if (mid == std::string::npos) continue;
                std::string key = line.substr(kAddedPrefix.size(), mid - kAddedPrefix.size());
                std::string phrase = line.substr(mid + kAddedMiddle.size());
                added_phrase[key] = phrase;
                s.before.words[key] = split_words(phrase);
            } else if (auto d = parse_directive(line)) {
                s.before.words[d->key] = split_words(value_of(line, *d));
            }
        }
    }

    // 2. The user's directives (outside the block), with the words we added taken out again.
    auto outside = [&](size_t i) { return !found.block || i < found.block->begin || i > found.block->end; };
    for (size_t i = 0; i < t.lines.size(); ++i) {
        if (!outside(i)) continue;
        auto d = parse_directive(t.lines[i].text);
        if (!d) continue;
        if (s.user_line.count(d->key)) {
            if (d->key == "kdump_post" || d->key == "extra_bins" || d->key == "dracut_args")
                out.warnings.push_back(where(file_name, i) + ": a second '" + d->key +
                                       "' line; kdumpctl refuses duplicated options, so only the first is used here");
            continue;
        }
        s.user_line[d->key] = i;
    }
    for (const auto& [key, phrase] : added_phrase) {
        auto it = s.user_line.find(key);
        if (it == s.user_line.end()) continue;  // the user removed that line: nothing of ours is left there
        std::string& line = t.lines[it->second].text;
        auto d = parse_directive(line);
        const std::string needle = " " + phrase;
        size_t pos = line.find(needle, d->value_begin);
        if (pos != std::string::npos && pos + needle.size() <= d->value_end) {
            line.erase(pos, needle.size());
        } else {
            out.warnings.push_back(where(file_name, it->second) + ": the words kdump-failover added to this " + key +
                                   " line (" + phrase + ") were edited by hand; left as they are");
        }
    }
    return s;
}

}  // namespace

ConfEdit edit_kdump_conf(std::string_view text, const std::string& file_name, const KdumpConfWants& wants) {
    ConfEdit out;
    out.text = std::string(text);
    TextLines t = split_lines(text);
    BlockSearch found = find_managed_block(t, file_name);
    if (!found.error.empty()) {
        out.errors.push_back(found.error);
        return out;
    }
    Stripped stripped = strip_our_words(t, found, file_name, out);
    const Ours& before = stripped.before;
    std::map<std::string, size_t>& user_line = stripped.user_line;

    // 3. Decide where each wanted directive goes: merged into the user's line, or our own line.
    Ours after;
    std::vector<std::string> notes, directives;
    auto merge = [&](const std::string& key, const std::vector<std::string>& words, bool phrase_as_unit) {
        if (words.empty()) return;
        auto it = user_line.find(key);
        if (it == user_line.end()) {
            directives.push_back(key + " " + join(words));
            after.words[key] = words;
            return;
        }
        std::string& line = t.lines[it->second].text;
        auto d = parse_directive(line);
        std::vector<std::string> present;
        for (const auto& w : split_words(value_of(line, *d))) present.push_back(unquote(w));
        std::vector<std::string> missing;
        if (phrase_as_unit) {
            // "--add kdump-failover": already there when the module's name is one of the words.
            if (!contains(present, words.back())) missing = words;
        } else {
            for (const auto& w : words)
                if (!contains(present, w) && !contains(missing, w)) missing.push_back(w);
        }
        if (missing.empty()) return;
        line.insert(d->value_end, " " + join(missing));
        notes.push_back(std::string(kAddedPrefix) + key + std::string(kAddedMiddle) + join(missing));
        after.words[key] = missing;
    };

    if (!wants.kdump_post.empty()) {
        auto it = user_line.find("kdump_post");
        if (it == user_line.end()) {
            directives.insert(directives.begin(), "kdump_post " + wants.kdump_post);
            after.words["kdump_post"] = {wants.kdump_post};
        } else {
            const std::string& line = t.lines[it->second].text;
            std::string current = value_of(line, *parse_directive(line));
            if (current != wants.kdump_post) {
                std::string hint = current.ends_with("kdump-post-local-failover.sh")
                                       ? "it is kdump-failover 0.2's hook: remove this line (see docs/migrating-from-0.2.md) "
                                         "and run generate again"
                                       : "kdumpctl allows one; the chain still runs as its own step before kdump's dump; "
                                         "to run it from your hook as well, call '" + wants.kdump_post + " \"$1\"' there";
                out.warnings.push_back(where(file_name, it->second) + ": kdump_post is already '" + current +
                                       "'; left as it is: " + hint);
            }
        }
    }
    merge("extra_bins", wants.extra_bins, false);
    merge("dracut_args", wants.dracut_args, true);

    std::vector<std::string> block{block_begin_line(wants.config_path)};
    if (!wants.inputs_digest.empty()) block.push_back(std::string(kDigestPrefix) + wants.inputs_digest);
    block.insert(block.end(), notes.begin(), notes.end());
    block.insert(block.end(), directives.begin(), directives.end());
    block.emplace_back(kBlockEnd);
    put_managed_block(t, found.block, block);

    out.text = join_lines(t);
    if (out.text != text) {
        describe_changes(before, after, out);
        if (stripped.digest_before != wants.inputs_digest && !stripped.digest_before.empty())
            out.changes.push_back("inputs digest: " + stripped.digest_before + " -> " + wants.inputs_digest +
                                  " (the config, a plugin, a key file or the binary changed)");
        if (out.changes.empty()) out.changes.push_back("kdump-failover block rewritten");
    }
    return out;
}

ConfEdit remove_from_kdump_conf(std::string_view text, const std::string& file_name) {
    ConfEdit out;
    out.text = std::string(text);
    TextLines t = split_lines(text);
    BlockSearch found = find_managed_block(t, file_name);
    if (!found.error.empty()) {
        out.errors.push_back(found.error);
        return out;
    }
    if (!found.block) return out;
    Stripped stripped = strip_our_words(t, found, file_name, out);
    remove_managed_block(t, *found.block);
    out.text = join_lines(t);
    for (const auto& [key, words] : stripped.before.words)
        out.changes.push_back(key + ": removed " + join(words));
    out.changes.push_back("kdump-failover block removed");
    return out;
}

}  // namespace kdf::integration
