#include "core/plugin/loader.h"

#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/plugin/checked_library.h"
#include "core/plugin/search_path.h"
#include "kdf/plugin_abi.h"

namespace kdf::plugin {

namespace {

Status load_error(const std::string& file, std::string_view message, Code code = Code::not_supported) {
    Status s = Status::error(code, std::string("plugin ") + file + ": " + std::string(message));
    return s.with_stage(Stage::load);
}

// What the info struct may claim, checked before create() is called.
Status check_info(const std::string& file, const kdf_plugin_info* info, const std::string& expected_name) {
    if (!info) return load_error(file, "kdf_transport_info returned no plugin information");
    if (info->abi_version != KDF_TRANSPORT_ABI_VERSION)
        return load_error(file, "built for plugin ABI version " + std::to_string(info->abi_version) +
                                    ", but this kdump-failover uses ABI version " +
                                    std::to_string(KDF_TRANSPORT_ABI_VERSION) +
                                    "; rebuild the plugin against the matching SDK");
    if (info->info_size < sizeof(kdf_plugin_info))
        return load_error(file, "plugin information is " + std::to_string(info->info_size) + " bytes, expected " +
                                    std::to_string(sizeof(kdf_plugin_info)) + " (corrupt or mis-built plugin)");
    const char* toolchain = info->toolchain ? info->toolchain : "(none)";
    if (std::strcmp(toolchain, KDF_TOOLCHAIN_TAG) != 0)
        return load_error(file, std::string("built with toolchain '") + toolchain +
                                    "', but this kdump-failover was built with '" KDF_TOOLCHAIN_TAG
                                    "'; C++ objects cross the plugin boundary, so rebuild it with the same "
                                    "compiler family and standard library");
    if (!info->name || expected_name != info->name)
        return load_error(file, std::string("calls itself '") + (info->name ? info->name : "(null)") +
                                    "', but its file name says '" + expected_name + "'");
    if (!info->create) return load_error(file, "plugin information has no create function");
    return Status::ok();
}

std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%x", v);
    return buf;
}

std::string name_from_file(const std::string& file) {
    std::string base = file.substr(file.find_last_of('/') + 1);
    const std::string prefix = "kdf-transport-", suffix = ".so";
    if (base.starts_with(prefix) && base.ends_with(suffix) && base.size() > prefix.size() + suffix.size())
        return base.substr(prefix.size(), base.size() - prefix.size() - suffix.size());
    return base;
}

}  // namespace

const std::vector<std::string>& reserved_target_keys() { return kdf::chain_target_keys(); }

Status check_description(const Description& d, const std::string& expected_name) {
    auto bad = [&](std::string_view why) {
        return Status::error(Code::not_supported, "plugin '" + expected_name + "': " + std::string(why))
            .with_stage(Stage::load);
    };
    if (d.name != expected_name) return bad("describe() names it '" + d.name + "'");
    const bool write_at = d.ops & static_cast<uint32_t>(SinkOp::write_at);
    const bool append = d.ops & static_cast<uint32_t>(SinkOp::append);
    if (write_at && append)
        return bad("declares both write_at and append; a transport must implement exactly one write hook");
    if (!write_at && !append)
        return bad("declares neither write_at nor append; a transport must implement exactly one write hook");
    if (has_cap(d.caps, TransportCap::positional_write) != write_at)
        return bad(write_at ? "implements write_at but does not claim the positional_write capability"
                            : "claims positional_write but implements append, not write_at");
    std::set<std::string> keys;
    for (const auto& o : d.options) {
        if (o.key.empty()) return bad("declares an option with an empty key");
        if (!keys.insert(o.key).second) return bad("declares option '" + o.key + "' twice");
        const auto& reserved = reserved_target_keys();
        if (std::find(reserved.begin(), reserved.end(), o.key) != reserved.end())
            return bad("declares option '" + o.key + "', which the chain reserves for every target");
        if (o.type == OptionType::choice && o.choices.empty())
            return bad("option '" + o.key + "' is a choice with no choices");
        if (o.required && !o.default_value.empty())
            return bad("option '" + o.key + "' is required but has a default");
    }
    return Status::ok();
}


namespace {
// Boost.DLL puts dlerror()'s text inside its exception message; keep just that part.
std::string dl_reason(const std::exception& e) {
    std::string what = e.what();
    const std::string marker = "dlerror system message: ";
    size_t from = what.find(marker);
    if (from == std::string::npos) return what;
    from += marker.size();
    size_t to = what.rfind("): ");
    if (to == std::string::npos || to < from) to = what.size();
    return what.substr(from, to - from);
}
}  // namespace

Result<LoadedPlugin> load_plugin_file(const std::string& file) {
    namespace dll = boost::dll;
    const std::string expected_name = name_from_file(file);
    auto loaded = load_checked_library(file, ::geteuid() == 0);
    if (!loaded.is_ok()) return loaded.take_status();
    std::shared_ptr<dll::shared_library> lib = std::move(loaded).value();
    if (!lib->has("kdf_transport_info"))
        return load_error(file, "is not a kdump-failover transport plugin: it exports no kdf_transport_info symbol");

    const kdf_plugin_info* info = nullptr;
    try {
        auto& get_info = lib->get_alias<const kdf_plugin_info*()>("kdf_transport_info");
        info = get_info();
    } catch (const std::exception& e) {
        return load_error(file, "cannot read kdf_transport_info: " + dl_reason(e));
    }
    if (Status s = check_info(file, info, expected_name); !s.is_ok()) return s;

    char reason[512] = {0};
    Transport* raw = info->create(reason, sizeof reason);
    if (!raw)
        return load_error(file, reason[0] ? std::string("create() failed: ") + reason
                                          : std::string("create() returned no transport"));
    // The deleter owns the library: the Transport's code is unloaded only after it is destroyed.
    std::shared_ptr<Transport> transport(raw, [lib](Transport* t) { std::unique_ptr<Transport> owned(t); });

    if (Status s = check_description(transport->describe(), expected_name); !s.is_ok())
        return load_error(file, s.message().substr(s.message().find(": ") + 2));
    return LoadedPlugin{file, std::move(transport)};
}

Result<uint32_t> target_capabilities(const LoadedPlugin& plugin, const TargetConfig& target) {
    const uint32_t declared = plugin.describe().caps;
    const uint32_t caps = plugin.transport->capabilities(target);
    if ((caps & ~declared) != 0)
        return Status::error(Code::not_supported,
                             "plugin '" + plugin.describe().name + "' reports capabilities 0x" + hex(caps) +
                                 " for target '" + target.name + "', more than it declares (0x" + hex(declared) +
                                 "); a target may only have fewer")
            .with_stage(Stage::config);
    return caps;
}

Result<LoadedPlugin> load_plugin(const std::string& name, const std::vector<std::string>& search) {
    auto file = find_plugin_file(name, search);
    if (!file) {
        std::string installed;
        for (const auto& p : list_plugin_files(search)) installed += (installed.empty() ? "" : ", ") + p.name;
        return Status::error(Code::not_found, "plugin '" + name + "' not found in " + join_path(search) +
                                                  "; installed: " + (installed.empty() ? "none" : installed))
            .with_stage(Stage::load);
    }
    return load_plugin_file(*file);
}

}  // namespace kdf::plugin
