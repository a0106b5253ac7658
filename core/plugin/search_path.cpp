#include "core/plugin/search_path.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

namespace kdf::plugin {
namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPrefix = "kdf-transport-";
constexpr std::string_view kSuffix = ".so";

void add_colon_list(std::vector<std::string>& out, const char* list) {
    if (!list) return;
    std::string_view rest(list);
    while (!rest.empty()) {
        size_t colon = rest.find(':');
        std::string_view dir = rest.substr(0, colon);
        if (!dir.empty()) out.emplace_back(dir);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
}

std::optional<std::string> executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    return exe.parent_path().string();
}
}  // namespace

std::vector<std::string> plugin_search_path(const std::vector<std::string>& config_dirs) {
    std::vector<std::string> dirs;
    add_colon_list(dirs, std::getenv("KDF_PLUGIN_PATH"));
    dirs.insert(dirs.end(), config_dirs.begin(), config_dirs.end());
    dirs.emplace_back(KDF_PLUGIN_DIR);
    if (auto exe_dir = executable_dir()) {
        std::error_code ec;
        fs::path rel = fs::weakly_canonical(fs::path(*exe_dir) / KDF_PLUGIN_RELATIVE_DIR, ec);
        if (!ec) dirs.push_back(rel.string());
    }
    // Keep the first occurrence of each directory: order is precedence.
    std::vector<std::string> unique;
    std::set<std::string> seen;
    for (auto& d : dirs)
        if (seen.insert(d).second) unique.push_back(d);
    return unique;
}

std::string plugin_file_name(const std::string& name) {
    return std::string(kPrefix) + name + std::string(kSuffix);
}

std::optional<std::string> find_plugin_file(const std::string& name, const std::vector<std::string>& search) {
    for (const auto& dir : search) {
        fs::path candidate = fs::path(dir) / plugin_file_name(name);
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return std::nullopt;
}

std::vector<PluginFile> list_plugin_files(const std::vector<std::string>& search) {
    std::vector<PluginFile> found;
    std::set<std::string> names;
    for (const auto& dir : search) {
        std::error_code ec;
        fs::directory_iterator it(dir, ec), end;
        std::vector<PluginFile> here;
        for (; !ec && it != end; it.increment(ec)) {
            std::string file = it->path().filename().string();
            if (file.size() <= kPrefix.size() + kSuffix.size() || !file.starts_with(kPrefix) || !file.ends_with(kSuffix))
                continue;
            std::string name = file.substr(kPrefix.size(), file.size() - kPrefix.size() - kSuffix.size());
            here.push_back({name, it->path().string()});
        }
        std::sort(here.begin(), here.end(), [](auto& a, auto& b) { return a.name < b.name; });
        for (auto& p : here)
            if (names.insert(p.name).second) found.push_back(std::move(p));
    }
    std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.name < b.name; });
    return found;
}

std::string join_path(const std::vector<std::string>& dirs) {
    std::string out;
    for (const auto& d : dirs) {
        if (!out.empty()) out += ':';
        out += d;
    }
    return out;
}

}  // namespace kdf::plugin
