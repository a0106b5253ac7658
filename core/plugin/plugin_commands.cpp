#include "core/plugin/plugin_commands.h"

#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstring>

#include "core/plugin/checked_library.h"
#include "core/plugin/search_path.h"
#include "kdf/plugin_command.h"

namespace kdf::plugin {

namespace {

Status command_error(const std::string& file, std::string_view message) {
    return Status::error(Code::not_supported, "plugin " + file + ": " + std::string(message)).with_stage(Stage::load);
}

Status check_table(const std::string& file, const kdf_plugin_command_table* t) {
    if (!t) return command_error(file, "kdf_transport_commands returned no command table");
    if (t->abi_version != KDF_TRANSPORT_ABI_VERSION)
        return command_error(file, "command table built for plugin ABI version " + std::to_string(t->abi_version) +
                                       ", but this kdump-failover uses ABI version " +
                                       std::to_string(KDF_TRANSPORT_ABI_VERSION) + "; rebuild the plugin");
    if (t->info_size < sizeof(kdf_plugin_command_table))
        return command_error(file, "command table is " + std::to_string(t->info_size) + " bytes, expected " +
                                       std::to_string(sizeof(kdf_plugin_command_table)));
    if (!t->toolchain || std::strcmp(t->toolchain, KDF_TOOLCHAIN_TAG) != 0)
        return command_error(file, std::string("command table built with toolchain '") +
                                       (t->toolchain ? t->toolchain : "(none)") + "', expected '" KDF_TOOLCHAIN_TAG "'");
    if (t->count > 0 && !t->commands) return command_error(file, "command table has no entries array");
    for (size_t i = 0; i < t->count; ++i) {
        const kdf_plugin_command& c = t->commands[i];
        if (!c.name || !*c.name || !c.run)
            return command_error(file, "command table entry " + std::to_string(i) + " has no name or no function");
    }
    return Status::ok();
}

}  // namespace

PluginCommandSet::PluginCommandSet(std::string file, std::shared_ptr<boost::dll::shared_library> library,
                                   const kdf_plugin_command* table, size_t count)
    : file_(std::move(file)), library_(std::move(library)), table_(table) {
    for (size_t i = 0; i < count; ++i)
        infos_.push_back({table[i].name, table[i].usage ? table[i].usage : "", table[i].help ? table[i].help : "",
                          table[i].needs_target});
}

const PluginCommandInfo* PluginCommandSet::find(std::string_view name) const {
    for (const auto& c : infos_)
        if (c.name == name) return &c;
    return nullptr;
}

int PluginCommandSet::run(std::string_view name, const TargetConfig* target, const std::vector<std::string>& args,
                          std::FILE* out, std::FILE* err) const {
    for (size_t i = 0; i < infos_.size(); ++i) {
        if (infos_[i].name != name) continue;
        std::vector<const char*> argv;
        for (const auto& a : args) argv.push_back(a.c_str());
        argv.push_back(nullptr);
        int rc = table_[i].run(target, static_cast<int>(args.size()), argv.data(), out, err);
        std::fflush(out);
        std::fflush(err);
        return rc;
    }
    return 2;
}

Result<PluginCommandSet> load_plugin_commands(const std::string& file) {
    namespace dll = boost::dll;
    auto loaded = load_checked_library(file, ::geteuid() == 0);
    if (!loaded.is_ok()) return loaded.take_status();
    std::shared_ptr<dll::shared_library> lib = std::move(loaded).value();
    if (!lib->has("kdf_transport_commands")) return PluginCommandSet(file, lib, nullptr, 0);
    const kdf_plugin_command_table* table = nullptr;
    try {
        auto& get = lib->get_alias<const kdf_plugin_command_table*()>("kdf_transport_commands");
        table = get();
    } catch (const std::exception& e) {
        return command_error(file, std::string("cannot read kdf_transport_commands: ") + e.what());
    }
    if (Status s = check_table(file, table); !s.is_ok()) return s;
    return PluginCommandSet(file, lib, table->commands, table->count);
}

CommandDiscovery discover_plugin_commands(const std::vector<std::string>& search,
                                          const std::vector<std::string>& core_names) {
    CommandDiscovery out;
    for (const PluginFile& f : list_plugin_files(search)) {
        auto set = load_plugin_commands(f.path);
        if (!set.is_ok()) continue;
        for (const PluginCommandInfo& c : set->commands()) {
            const std::string who = "plugin '" + f.name + "' command '" + c.name + "'";
            if (std::find(core_names.begin(), core_names.end(), c.name) != core_names.end()) {
                out.refused.push_back(who + " refused: kdump-failover has its own '" + c.name + "' command");
                continue;
            }
            auto earlier = std::find_if(out.commands.begin(), out.commands.end(),
                                        [&](const DiscoveredCommand& d) { return d.info.name == c.name; });
            if (earlier != out.commands.end()) {
                out.refused.push_back(who + " refused: plugin '" + earlier->plugin + "' already offers it");
                continue;
            }
            out.commands.push_back({f.name, f.path, c});
        }
    }
    return out;
}

}  // namespace kdf::plugin
