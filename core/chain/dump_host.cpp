#include "core/chain/dump_host.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/utsname.h>

#include <memory>

namespace kdf::chain {

namespace {

struct IfaddrsFree {
    void operator()(ifaddrs* p) const { ::freeifaddrs(p); }
};

// The first address of the given family on an interface that is up and not loopback; "" if none.
std::string first_address(int family) {
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

}  // namespace

std::string pick_dump_host(const std::string& nodename, const std::string& address) {
    if (!nodename.empty() && nodename != "(none)" && nodename != "localhost") return nodename;
    if (!address.empty()) return address;
    return "localhost";
}

std::string dump_host_name() {
    utsname u{};
    const std::string nodename = ::uname(&u) == 0 ? u.nodename : "";
    std::string address = first_address(AF_INET);
    if (address.empty()) address = first_address(AF_INET6);
    return pick_dump_host(nodename, address);
}

}  // namespace kdf::chain
