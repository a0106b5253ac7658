// core/chain/dump_host.h - the {host} of a dump's name: who crashed.
//
// A crash kernel's initramfs often has no hostname at all (uname says "(none)"), and every node of
// a fleet dumping "(none)-2026-12-04-..." into one NFS export would leave nobody able to tell whose
// dump is whose. kdumpctl names such dumps after the node's IP address; so do we: the hostname when
// one is set, else the first address of an interface that is up and not loopback (IPv4 first),
// else "localhost".
#pragma once

#include <string>

namespace kdf::chain {

std::string dump_host_name();

// The rule itself, for tests: `nodename` from uname(2), `address` the first usable address ("" if
// there is none).
std::string pick_dump_host(const std::string& nodename, const std::string& address);

}  // namespace kdf::chain
