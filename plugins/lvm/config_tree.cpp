// config_tree.cpp - a recursive-descent parser of LVM2's text format.
#include "config_tree.h"

#include <charconv>
#include <optional>

namespace kdf::lvm {

namespace {

// Deeper than any VG text lvm2 writes (VG > logical_volumes > LV > segment > value), far below
// what would strain the stack.
constexpr int max_depth = 16;

bool is_name_char(char c) {
    switch (c) {
    case ' ': case '\t': case '\n': case '\r': case '\f': case '\v':
    case '=': case '{': case '}': case '[': case ']': case ',': case '#': case '"': case '\'': case '\0':
        return false;
    default:
        return true;
    }
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<ConfigNode> parse() {
        ConfigNode root;
        root.is_section = true;
        if (auto err = parse_items(root, 0, false)) return *err;
        return root;
    }

private:
    std::optional<Status> fail(const std::string& what) const {
        return Status::error(Code::corrupt, "line " + std::to_string(line_) + ": " + what);
    }

    void skip_space() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c == '\n') {
                ++line_;
                ++pos_;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else {
                break;
            }
        }
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    std::string read_name() {
        size_t begin = pos_;
        while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
        return std::string(text_.substr(begin, pos_ - begin));
    }

    // Items until '}' (inside a section) or the end of the text (at the top).
    std::optional<Status> parse_items(ConfigNode& parent, int depth, bool in_section) {
        for (;;) {
            skip_space();
            if (at_end()) {
                if (in_section) return fail("end of text inside section '" + parent.name + "' (missing '}')");
                return std::nullopt;
            }
            if (peek() == '}') {
                if (!in_section) return fail("'}' without a section to close");
                ++pos_;
                return std::nullopt;
            }
            ConfigNode node;
            node.line = line_;
            node.name = read_name();
            if (node.name.empty()) return fail(std::string("expected a name, found '") + peek() + "'");
            skip_space();
            if (at_end()) return fail("expected '=' or '{' after '" + node.name + "'");
            if (peek() == '{') {
                if (depth + 1 >= max_depth) return fail("sections nested deeper than " + std::to_string(max_depth));
                ++pos_;
                node.is_section = true;
                if (auto err = parse_items(node, depth + 1, true)) return err;
            } else if (peek() == '=') {
                ++pos_;
                if (auto err = parse_value(node.value, depth + 1)) return err;
            } else {
                return fail("expected '=' or '{' after '" + node.name + "'");
            }
            parent.children.push_back(std::move(node));
        }
    }

    std::optional<Status> parse_value(ConfigValue& out, int depth) {
        skip_space();
        if (at_end()) return fail("expected a value, found the end of the text");
        const char c = peek();
        if (c == '[') {
            if (depth + 1 >= max_depth) return fail("arrays nested deeper than " + std::to_string(max_depth));
            ++pos_;
            out.kind = ConfigValue::Kind::array;
            skip_space();
            if (!at_end() && peek() == ']') {
                ++pos_;
                return std::nullopt;
            }
            for (;;) {
                ConfigValue item;
                if (auto err = parse_value(item, depth + 1)) return err;
                out.items.push_back(std::move(item));
                skip_space();
                if (at_end()) return fail("end of text inside an array (missing ']')");
                if (peek() == ',') {
                    ++pos_;
                    continue;
                }
                if (peek() == ']') {
                    ++pos_;
                    return std::nullopt;
                }
                return fail(std::string("expected ',' or ']' in an array, found '") + peek() + "'");
            }
        }
        if (c == '"' || c == '\'') return parse_string(out, c);
        return parse_number(out);
    }

    std::optional<Status> parse_string(ConfigValue& out, char quote) {
        const size_t first_line = line_;
        ++pos_;
        out.kind = ConfigValue::Kind::string;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == quote) return std::nullopt;
            if (c == '\n') ++line_;
            if (c == '\\') {
                if (pos_ >= text_.size()) break;
                c = text_[pos_++];
                if (c == '\n') ++line_;
            }
            out.text += c;
        }
        line_ = first_line;
        return fail("string never closed");
    }

    std::optional<Status> parse_number(ConfigValue& out) {
        size_t begin = pos_;
        while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
        std::string_view word = text_.substr(begin, pos_ - begin);
        if (word.empty()) return fail(std::string("expected a value, found '") + text_[pos_] + "'");
        int64_t v = 0;
        auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
        if (ec == std::errc() && end == word.data() + word.size()) {
            out.kind = ConfigValue::Kind::integer;
            out.integer = v;
            return std::nullopt;
        }
        double d = 0;
        auto [dend, dec] = std::from_chars(word.data(), word.data() + word.size(), d);
        if (dec == std::errc() && dend == word.data() + word.size()) {
            out.kind = ConfigValue::Kind::real;
            out.text = std::string(word);
            return std::nullopt;
        }
        return fail("'" + std::string(word) + "' is not a number or a quoted string");
    }

    std::string_view text_;
    size_t pos_ = 0;
    size_t line_ = 1;
};

}  // namespace

const ConfigNode* ConfigNode::find(std::string_view key) const noexcept {
    for (const ConfigNode& c : children)
        if (c.name == key) return &c;
    return nullptr;
}

Result<ConfigNode> parse_config_tree(std::string_view text) { return Parser(text).parse(); }

}  // namespace kdf::lvm
