// core/plugin/loader.h - loads a transport plugin and checks it before anything of it runs.
//
// Order of checks (each failure is one sentence naming the file; Ceph's ErasureCodePlugin gives
// each its own text, and so do we, because each has a different fix):
//   0. running as root, the file and its directory are root's alone (plugin_file_safety.h): a
//      plugin someone else can write is refused before any of its code runs (checked on the open
//      file, which is then loaded through its descriptor: checked_library.h);
//   1. the library loads (RTLD_NOW: a missing dependency fails here, not mid-dump);
//   2. it exports kdf_transport_info;
//   3. abi_version == KDF_TRANSPORT_ABI_VERSION, info_size is large enough;
//   4. the toolchain tag matches ours (C++ objects cross the boundary);
//   5. its name matches the file name;
//   6. create() returns a Transport (a throwing constructor is reported with its message);
//   7. describe() is consistent: exactly one write hook, positional_write <=> write_at, a sane
//      option table that does not reuse the chain's own target keys.
// describe().caps is the most any target of the plugin offers; a target's own capabilities
// (target_capabilities below) may only clear bits of it. So positional_write <=> write_at reads:
// a plugin whose Sink implements write_at has at least one kind of target that writes in place,
// and a write_at Sink of a target without positional_write gets contiguous offsets only.
// Every failure path unloads the library.
//
// Lifetime: the returned shared_ptr<Transport> owns the library handle through its deleter
// (Boost.DLL tutorial 8): the library is unloaded only after the Transport is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kdf/status.h"
#include "kdf/transport.h"

namespace kdf::plugin {

struct LoadedPlugin {
    std::string file;                       // the .so that was loaded
    std::shared_ptr<Transport> transport;   // keeps the library loaded
    const Description& describe() const { return transport->describe(); }
};

// Loads a plugin file and checks it (steps 0-7). The error Status has Stage::load.
Result<LoadedPlugin> load_plugin_file(const std::string& file);

// Finds kdf-transport-<name>.so in `search` and loads it. A missing plugin is not_found with the
// search path and the names of the plugins that are installed.
Result<LoadedPlugin> load_plugin(const std::string& name, const std::vector<std::string>& search);

// The capabilities `plugin` reports for `target` (a target that passed its check()). A bit that
// describe().caps does not declare is refused (Stage::load): the plugin contradicts itself.
Result<uint32_t> target_capabilities(const LoadedPlugin& plugin, const TargetConfig& target);

// Keys the chain itself uses in every [target] section; a plugin may not declare them.
const std::vector<std::string>& reserved_target_keys();

// Checks a Description on its own (step 7): used by the loader and the conformance tests.
Status check_description(const Description& d, const std::string& expected_name);

}  // namespace kdf::plugin
