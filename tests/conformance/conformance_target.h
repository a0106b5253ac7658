// conformance_target.h - what the transport conformance suite needs from one plugin under test.
//
// The suite (transport_conformance.cpp) loads the plugin file through the real loader, validates
// the target section against the plugin's own schema as an attempt does, and drives the Sink
// through the public SDK interface only (kdf/transport.h). It then checks what landed through this
// interface, on the target's side: files in the directory a loopback server writes into, a raw
// device's header, ... A plugin's test provides one ConformanceTarget per configuration it wants
// checked; its environment (a server, a temp dir) lives as long as the object, which the suite
// creates once per instantiation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "kdf/transport.h"

namespace kdf::conformance {

using Bytes = std::vector<std::byte>;

class ConformanceTarget {
public:
    virtual ~ConformanceTarget() = default;

    // True when the environment came up; otherwise why() says what is missing.
    virtual bool ok() const { return true; }
    virtual std::string why() const { return {}; }

    // The plugin file (kdf-transport-<name>.so) to load.
    virtual std::string plugin_file() const = 0;
    // The [target NAME] section as the config parser hands it over: plugin keys only, before the
    // schema's defaults are applied.
    virtual chain::TargetSpec target() const = 0;

    // What landed on the target for `dump`. nullopt: nothing there under that name.
    // The dump under its final name (dump.final_name).
    virtual std::optional<Bytes> final_dump(const DumpInfo& dump) const = 0;
    // The first `size` bytes of the dump still marked incomplete.
    virtual std::optional<Bytes> incomplete_dump(const DumpInfo& dump, uint64_t size) const = 0;
    // A side file stored with put_file(), beside the dump.
    virtual std::optional<Bytes> side_file(const DumpInfo& dump, const std::string& name) const = 0;

    // Text Sink::location() must contain before and after commit(): by default the dump's name.
    virtual std::string location_names(const DumpInfo& dump, bool committed) const {
        (void)committed;
        return dump.dir_name;
    }

    // Makes the target fail under an open Sink of `dump` (server frozen or stopped, directory
    // removed) until repair_target(), which may be called more than once. False when this target
    // has no such way (the check is skipped).
    virtual bool break_target(const DumpInfo& dump) { (void)dump; return false; }
    virtual void repair_target() {}

    // Called before each case. A target whose storage keeps the previous case's bytes at the same
    // offsets (a raw LUN shared by the cases) clears them here, so "written or still missing" can
    // be told from "left over from the case before"; a fresh device would hold zeros too.
    virtual void before_case() {}

    // TransportCap bits the plugin declares for its transport but this target's configuration does
    // not offer (ssh mode = stream has no positional writes). The suite then checks the plugin
    // refuses them cleanly. Becomes unnecessary once capabilities are asked per target.
    virtual uint32_t withheld_caps() const { return 0; }
};

// A [target NAME] section of type `type` with these plugin keys, as the config parser makes it.
inline chain::TargetSpec target_section(const std::string& type, const std::map<std::string, std::string>& keys) {
    chain::TargetSpec t;
    t.name = "conformance";
    t.type = type;
    t.where = "conformance.conf:1";
    int line = 2;
    for (const auto& [key, value] : keys) t.plugin_options[key] = OptionValue{value, "conformance.conf:" + std::to_string(line++)};
    return t;
}

// One instantiation: a name for test names and ctest filters, and how to make its target.
struct ConformanceCase {
    std::string name;
    std::function<std::unique_ptr<ConformanceTarget>()> make;
};

// How gtest prints a case in its messages.
inline void PrintTo(const ConformanceCase& c, std::ostream* os) { *os << c.name; }

}  // namespace kdf::conformance
