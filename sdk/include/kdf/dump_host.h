// kdf/dump_host.h - the {host} of a dump's name: who crashed, as DumpInfo::host names it.
//
// A crash kernel's initramfs often has no hostname at all (uname says "(none)"), and every node of
// a fleet dumping "(none)-2026-12-04-..." into one NFS export would leave nobody able to tell whose
// dump is whose. kdumpctl names such dumps after the node's IP address; so do we: the hostname when
// one is set, else the first address of an interface that is up and not loopback (IPv4 first),
// else "localhost".
//
// The host fills DumpInfo::host with this_dump_host(). A raw plugin's probe(), which gets no
// DumpInfo, calls it too, so that probe and open judge "our own dump header" by the same name.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>

#include <memory>
#include <string>

namespace kdf {

namespace detail {

struct IfaddrsFree {
    void operator()(ifaddrs* p) const { ::freeifaddrs(p); }
};

// The first address of the given family on an interface that is up and not loopback; "" if none.
inline std::string first_address(int family) {
    ifaddrs* raw = nullptr;
    if (::getifaddrs(&raw) != 0) return {};
    std::unique_ptr<ifaddrs, IfaddrsFree> list(raw);
    for (const ifaddrs* a = list.get(); a; a = a->ifa_next) {
        if (!a->ifa_addr || a->ifa_addr->sa_family != family) continue;
        if (!(a->ifa_flags & IFF_UP) || (a->ifa_flags & IFF_LOOPBACK)) continue;
        char text[INET6_ADDRSTRLEN] = {};
        const void* addr = family == AF_INET
                               ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr)
                               : static_cast<const void*>(&reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr);
        if (family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(static_cast<const in6_addr*>(addr))) continue;
        if (::inet_ntop(family, addr, text, sizeof text)) return text;
    }
    return {};
}

}  // namespace detail

// The rule itself, for tests: `nodename` from uname(2), `address` the first usable address ("" if
// there is none).
inline std::string pick_dump_host(const std::string& nodename, const std::string& address) {
    if (!nodename.empty() && nodename != "(none)" && nodename != "localhost") return nodename;
    if (!address.empty()) return address;
    return "localhost";
}

inline std::string this_dump_host() {
    utsname u{};
    const std::string nodename = ::uname(&u) == 0 ? u.nodename : "";
    std::string address = detail::first_address(AF_INET);
    if (address.empty()) address = detail::first_address(AF_INET6);
    return pick_dump_host(nodename, address);
}

}  // namespace kdf
