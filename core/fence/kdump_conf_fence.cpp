// core/fence/kdump_conf_fence.cpp - see kdump_conf_fence.h.
#include "core/fence/kdump_conf_fence.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace kdf::fence {
namespace {

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::optional<uint64_t> number(const std::string& s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

// fence_kdump_send's options, getopt style: "-p 7410" or "-p7410".
void apply_args(const std::string& args, const std::string& where, KdumpConfFence& out) {
    const std::vector<std::string> w = words(args);
    for (size_t i = 0; i < w.size(); ++i) {
        const std::string& opt = w[i];
        if (opt.size() < 2 || opt[0] != '-') {
            out.warnings.push_back(where + ": fence_kdump_args: '" + opt + "' is not an option; ignored");
            continue;
        }
        const char letter = opt[1];
        if (letter == 'v') continue;
        if (letter != 'p' && letter != 'i' && letter != 'f' && letter != 'c') {
            out.warnings.push_back(where + ": fence_kdump_args: option '" + opt + "' is not one of -p -i -f -c -v; ignored");
            continue;
        }
        std::string value = opt.substr(2);
        if (value.empty()) {
            if (i + 1 >= w.size()) {
                out.warnings.push_back(where + ": fence_kdump_args: " + opt + " needs a value; ignored");
                continue;
            }
            value = w[++i];
        }
        if (letter == 'f' || letter == 'c') continue;
        const auto v = number(value);
        if (letter == 'p') {
            if (!v || *v < 1 || *v > 65535)
                out.warnings.push_back(where + ": fence_kdump_args: -p " + value + " is not a UDP port; using " +
                                       std::to_string(out.port));
            else
                out.port = static_cast<uint16_t>(*v);
        } else {
            if (!v || *v < 1 || *v > 86400)
                out.warnings.push_back(where + ": fence_kdump_args: -i " + value + " is not a number of seconds; using " +
                                       std::to_string(out.interval.count() / 1000));
            else
                out.interval = std::chrono::seconds(*v);
        }
    }
}

}  // namespace

std::optional<KdumpConfFence> parse_kdump_conf_fence(const std::string& text, const std::string& file) {
    std::string nodes, args;
    int args_line = 0;
    std::istringstream in(text);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        const size_t sp = t.find_first_of(" \t");
        const std::string key = t.substr(0, sp);
        std::string value = sp == std::string::npos ? std::string() : t.substr(sp);
        if (const size_t hash = value.find('#'); hash != std::string::npos) value.resize(hash);
        value = trim(value);
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        if (key == "fence_kdump_nodes") {
            nodes = value;
        } else if (key == "fence_kdump_args") {
            args = value;
            args_line = line_no;
        }
    }
    KdumpConfFence out;
    out.nodes = words(nodes);
    if (out.nodes.empty()) return std::nullopt;
    apply_args(args, file + ":" + std::to_string(args_line), out);
    return out;
}

std::optional<KdumpConfFence> read_kdump_conf_fence(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return parse_kdump_conf_fence(text.str(), path);
}

}  // namespace kdf::fence
