// core/chain/dump_host.h - the {host} of a dump's name: who crashed.
//
// The rule lives in the SDK (kdf/dump_host.h), because raw plugins' probe() must name this host
// exactly as the chain's DumpInfo::host does when it decides whether a dump header is our own.
#pragma once

#include <string>

#include "kdf/dump_host.h"

namespace kdf::chain {

inline std::string dump_host_name() { return kdf::this_dump_host(); }

using kdf::pick_dump_host;

}  // namespace kdf::chain
