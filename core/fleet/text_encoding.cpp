// core/fleet/text_encoding.cpp - base64, JSON/YAML string forms, octal modes.
#include "core/fleet/text_encoding.h"

#include <cstdio>

namespace kdf::fleet {

std::string base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                           static_cast<uint8_t>(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (u < 0x20 || u == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", u);
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

bool fits_literal_block(std::string_view text) {
    // A block keeps exactly one final newline ("|"); none, or several, would need chomping rules.
    if (text.empty() || text.back() != '\n' || (text.size() > 1 && text[text.size() - 2] == '\n')) return false;
    // A first line starting with a blank would be read as more indentation.
    if (text.front() == ' ' || text.front() == '\t' || text.front() == '\n') return false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f || u >= 0x80) return false;
    }
    // Lines holding only blanks are where YAML's indentation rules get subtle: quote instead.
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.find_first_not_of(" \t") == std::string_view::npos) return false;
        start = end + 1;
    }
    return true;
}

std::string yaml_text_value(std::string_view text, int indent) {
    if (!fits_literal_block(text)) return json_string(text);
    std::string out = "|\n";
    const std::string pad(static_cast<size_t>(indent), ' ');
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        std::string_view line = text.substr(start, end - start);
        if (!line.empty()) out += pad;
        out.append(line);
        out += '\n';
        start = end + 1;
    }
    return out;
}

std::string octal_mode(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0%03o", mode & 07777);
    return buf;
}

}  // namespace kdf::fleet
