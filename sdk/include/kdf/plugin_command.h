// kdf/plugin_command.h - optional admin commands a plugin adds to `kdump-failover` (e.g. the ssh
// plugin's `ssh-trust TARGET` and `keys`), so the command itself never links the plugin's library.
//
// Additive and optional: a plugin may export, next to `kdf_transport_info`, a second Boost.DLL
// alias `kdf_transport_commands` returning a pointer to a kdf_plugin_command_table. Plugins without
// it keep working unchanged; the loader treats a missing alias as "no commands". The table carries
// its own abi_version/info_size/toolchain, checked like kdf_plugin_info before anything in it is
// used, so adding this header needed no KDF_TRANSPORT_ABI_VERSION bump.
//
// Calling convention (core/cli/cmd_plugin_command.cpp):
//   kdump-failover NAME [--config F] [TARGET] [ARGS...]
// The host finds the plugin (the target's plugin when the first argument names a configured
// target; otherwise the first plugin in the search path whose table has NAME), validates the
// target against the plugin's option schema (defaults applied, as for a dump) and calls
//   run(target, argc, argv, out, err)
// with `target` = that target's configuration, or nullptr when no target was named (a command with
// needs_target = true is then refused by the host), argv = the remaining arguments (argv[argc] is
// null), `out` for results a script reads and `err` for one-line errors. run returns the process
// exit status: 0 ok, 1 failed, 2 usage error. It must not throw (wrap the body in kdf::guarded or a
// try block) and must not keep pointers to its arguments after returning.
//
// Lifetime: the host keeps the library loaded while it holds the table; run() is called from the
// host's main thread, in the host process (not in an attempt child): no deadline applies, so a
// command that talks to a server sets its own timeout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include <boost/dll/alias.hpp>

#include "kdf/options.h"
#include "kdf/plugin_abi.h"

extern "C" {
struct kdf_plugin_command {
    const char* name;    // the subcommand, e.g. "ssh-trust"
    const char* usage;   // argument synopsis after the name, e.g. "TARGET [--expect SHA256:...]"
    const char* help;    // one line for the usage text
    bool needs_target;   // the first argument must name a configured target of this plugin's type
    int (*run)(const kdf::TargetConfig* target, int argc, const char* const* argv, std::FILE* out,
               std::FILE* err) noexcept;
};

struct kdf_plugin_command_table {
    uint32_t abi_version;      // KDF_TRANSPORT_ABI_VERSION the plugin was built with; first field forever
    uint32_t info_size;        // sizeof(kdf_plugin_command_table) as the plugin saw it
    const char* toolchain;     // KDF_TOOLCHAIN_TAG (TargetConfig crosses the boundary)
    size_t count;
    const kdf_plugin_command* commands;  // `count` entries
};
}

// Exports a static array of kdf_plugin_command as the plugin's command table, e.g.
//   static const kdf_plugin_command my_commands[] = {{"mine-setup", "", "set up", false, &run_setup}};
//   KDF_EXPORT_PLUGIN_COMMANDS(my_commands)
#define KDF_EXPORT_PLUGIN_COMMANDS(command_array)                                                       \
    namespace kdf_plugin_commands_export {                                                             \
    static const ::kdf_plugin_command_table table_v = {                                                \
        KDF_TRANSPORT_ABI_VERSION, sizeof(::kdf_plugin_command_table), KDF_TOOLCHAIN_TAG,              \
        sizeof(command_array) / sizeof((command_array)[0]), (command_array)};                          \
    const ::kdf_plugin_command_table* get_commands() noexcept { return &table_v; }                     \
    }                                                                                                  \
    BOOST_DLL_ALIAS(kdf_plugin_commands_export::get_commands, kdf_transport_commands)
