#include <algorithm>
#include <cstdio>

#include <unistd.h>

#include "core/cli/command.h"

namespace kdf::cli {

ArgScanner::ArgScanner(const Args& args, std::vector<std::string> valued, std::vector<std::string> bare) {
    auto is = [](const std::vector<std::string>& list, const std::string& s) {
        return std::find(list.begin(), list.end(), s) != list.end();
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            positionals_.insert(positionals_.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (!a.starts_with("-") || a == "-") {
            positionals_.push_back(a);
            continue;
        }
        std::string name = a, val;
        bool inline_value = false;
        if (size_t eq = a.find('='); eq != std::string::npos && a.starts_with("--")) {
            name = a.substr(0, eq);
            val = a.substr(eq + 1);
            inline_value = true;
        }
        if (is(valued, name)) {
            if (!inline_value) {
                if (i + 1 >= args.size()) {
                    error_ = "option " + name + " needs a value";
                    return;
                }
                val = args[++i];
            }
            values_.emplace_back(name, val);
        } else if (is(bare, name) && !inline_value) {
            flags_.push_back(name);
        } else {
            error_ = "unknown option '" + a + "'";
            return;
        }
    }
}

std::optional<std::string> ArgScanner::value(const std::string& flag) const {
    std::optional<std::string> last;
    for (const auto& [k, v] : values_)
        if (k == flag) last = v;
    return last;
}

bool ArgScanner::flag(const std::string& name) const {
    return std::find(flags_.begin(), flags_.end(), name) != flags_.end();
}

void error_line(std::string_view text) {
    std::fprintf(stderr, "kdump-failover: %.*s\n", static_cast<int>(text.size()), text.data());
}

std::optional<chain::Config> load_config_or_report(const std::string& path) {
    chain::ConfigLoad loaded = chain::load_config(path);
    if (loaded.config)
        for (const auto& notice : loaded.config->notices) std::fprintf(stderr, "%s\n", notice.c_str());
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (!loaded.errors.empty() || !loaded.config) {
        error_line("configuration " + path + " is not valid (" + std::to_string(loaded.errors.size()) + " error" +
                   (loaded.errors.size() == 1 ? "" : "s") + ")");
        return std::nullopt;
    }
    return loaded.config;
}

bool load_optional_config(const std::optional<std::string>& flag, bool default_if_readable,
                          std::optional<chain::Config>& out) {
    out.reset();
    if (!flag && !(default_if_readable && ::access(kDefaultConfig, R_OK) == 0)) return true;
    out = load_config_or_report(flag.value_or(kDefaultConfig));
    return out.has_value();
}

}  // namespace kdf::cli
