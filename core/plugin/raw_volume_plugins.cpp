#include "core/plugin/raw_volume_plugins.h"

#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include <cstring>

#include "core/plugin/checked_library.h"
#include "core/plugin/search_path.h"
#include "kdf/guard.h"
#include "kdf/raw_volume_export.h"

namespace kdf::plugin {

namespace {

Status table_error(const std::string& file, std::string_view message) {
    return Status::error(Code::not_supported, "plugin " + file + ": " + std::string(message)).with_stage(Stage::load);
}

Status check_table(const std::string& file, const kdf_raw_volume_table* t) {
    if (!t) return table_error(file, "kdf_transport_raw_volumes returned no table");
    if (t->abi_version != KDF_TRANSPORT_ABI_VERSION)
        return table_error(file, "raw volume table built for plugin ABI version " + std::to_string(t->abi_version) +
                                     ", but this kdump-failover uses ABI version " +
                                     std::to_string(KDF_TRANSPORT_ABI_VERSION) + "; rebuild the plugin");
    if (t->info_size < sizeof(kdf_raw_volume_table))
        return table_error(file, "raw volume table is " + std::to_string(t->info_size) + " bytes, expected " +
                                     std::to_string(sizeof(kdf_raw_volume_table)));
    if (!t->toolchain || std::strcmp(t->toolchain, KDF_TOOLCHAIN_TAG) != 0)
        return table_error(file, std::string("raw volume table built with toolchain '") +
                                     (t->toolchain ? t->toolchain : "(none)") + "', expected '" KDF_TOOLCHAIN_TAG "'");
    if (!t->scheme || !*t->scheme || !t->open) return table_error(file, "raw volume table has no scheme or no function");
    return Status::ok();
}

// The plugin's volume, with the library that holds its code. Members are destroyed in reverse
// order: the volume (plugin code) goes before the library that contains it.
class LoadedRawVolume final : public RawVolume {
public:
    LoadedRawVolume(std::shared_ptr<boost::dll::shared_library> library, std::unique_ptr<RawVolume> volume)
        : library_(std::move(library)), volume_(std::move(volume)) {}

    uint64_t size() const noexcept override { return volume_->size(); }
    uint32_t block_size() const noexcept override { return volume_->block_size(); }
    const std::string& location() const noexcept override { return volume_->location(); }
    Status read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept override {
        return volume_->read_at(offset, out, opts);
    }
    Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept override {
        return volume_->write_at(offset, data, opts);
    }
    Status flush(const CallOptions& opts) noexcept override { return volume_->flush(opts); }

private:
    std::shared_ptr<boost::dll::shared_library> library_;
    std::unique_ptr<RawVolume> volume_;
};

}  // namespace

std::string url_scheme(std::string_view source) {
    const size_t colon = source.find("://");
    if (colon == std::string_view::npos || colon == 0) return "";
    for (char c : source.substr(0, colon))
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-')) return "";
    return std::string(source.substr(0, colon));
}

Result<std::unique_ptr<RawVolume>> open_plugin_raw_volume(const std::string& url, const std::vector<std::string>& search,
                                                          const CallOptions& opts) {
    namespace dll = boost::dll;
    const std::string scheme = url_scheme(url);
    std::vector<std::string> refused;
    for (const PluginFile& f : list_plugin_files(search)) {
        auto loaded = load_checked_library(f.path, ::geteuid() == 0);
        if (!loaded.is_ok()) {
            // A plugin refused as unsafe is named (it may be the one the user meant); one that
            // does not load at all is `kdump-failover plugins`' to explain.
            if (loaded.status().code() == Code::auth) refused.push_back(loaded.status().to_string());
            continue;
        }
        std::shared_ptr<dll::shared_library> lib = std::move(loaded).value();
        if (!lib->has("kdf_transport_raw_volumes")) continue;
        const kdf_raw_volume_table* table = nullptr;
        try {
            table = lib->get_alias<const kdf_raw_volume_table*()>("kdf_transport_raw_volumes")();
        } catch (const std::exception& e) {
            refused.push_back(table_error(f.path, std::string("cannot read kdf_transport_raw_volumes: ") + e.what())
                                  .to_string());
            continue;
        }
        if (Status s = check_table(f.path, table); !s.is_ok()) {
            refused.push_back(s.to_string());
            continue;
        }
        if (scheme != table->scheme) continue;
        Result<std::unique_ptr<RawVolume>> opened = table->open(url, opts);
        if (!opened.is_ok()) return opened.take_status();
        return std::unique_ptr<RawVolume>(std::make_unique<LoadedRawVolume>(lib, std::move(opened.value())));
    }
    std::string why = "no plugin in " + join_path(search) + " reads '" + scheme + "://' sources";
    for (const std::string& r : refused) why += "; " + r;
    return Status::error(Code::not_found, why).with_stage(Stage::load);
}

}  // namespace kdf::plugin
