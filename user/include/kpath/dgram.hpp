// SPDX-License-Identifier: GPL-2.0
// Client for the kp_dgram module's "kp_dgram" generic netlink family (see
// kmod/include/uapi/linux/kp_dgram.h): per-netns counters and
// configuration, and the socket table, of the caller's network namespace.
//
// Message building and parsing are pure functions (testable without a
// kernel); Client sends them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <linux/kp_dgram.h>

#include "kpath/genl.hpp"
#include "kpath/netlink.hpp"

namespace kpath::dgram {

// KP_DGRAM_A_STATS_* counters of one address family. parse_ns() leaves a
// counter the kernel did not send nullopt, and output omits it rather than
// show a 0; a default-constructed Stats has every counter present and 0.
struct Stats {
    std::optional<uint64_t> in_datagrams = 0;
    std::optional<uint64_t> no_ports = 0;
    std::optional<uint64_t> in_errors = 0;
    std::optional<uint64_t> in_csum_errors = 0; // part of in_errors
    std::optional<uint64_t> rcvbuf_errors = 0;  // part of in_errors
    std::optional<uint64_t> out_datagrams = 0;
    std::optional<uint64_t> sndbuf_errors = 0;

    bool operator==(const Stats &) const = default;
};

// The attribute, its name in JSON output, its SNMP name (text output, as
// nstat and netstat -s have UDP's) and the Stats member.
struct StatField {
    int attr;
    std::string_view name;
    std::string_view snmp;
    std::optional<uint64_t> Stats::*member;
};
extern const std::array<StatField, 7> stat_fields;

// A STATS_GET reply. Attributes the kernel did not send stay nullopt.
struct NsStats {
    std::optional<uint8_t> proto;     // IP protocol number, 253 or 254
    std::optional<bool> port_unreach; // ICMP port unreachable when no socket
    std::optional<Stats> ipv4;        // KP_DGRAM_A_NS_STATS4
    std::optional<Stats> ipv6;        // KP_DGRAM_A_NS_STATS6
};

// An IPv4 or IPv6 address as the kernel sends it (network order).
struct Address {
    uint16_t family = 0;             // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{}; // the first 4 for AF_INET

    // inet_ntop(): "127.0.0.1", "::1".
    std::string str() const;
    bool operator==(const Address &) const = default;
};

// One socket of a SOCK_GET dump.
struct Socket {
    uint16_t family = 0; // AF_INET or AF_INET6
    Address local_addr;
    uint16_t local_port = 0;               // 0: not bound
    std::optional<Address> remote_addr;    // connected sockets only
    std::optional<uint16_t> remote_port;   // connected sockets only
    std::optional<uint32_t> bound_ifindex; // SO_BINDTODEVICE only
    uint32_t rx_queue = 0;                 // bytes charged to the receive buffer
    uint32_t tx_queue = 0;                 // bytes charged to the send buffer
    uint32_t drops = 0;                    // receive buffer full, socket filter
    uint32_t uid = 0;                      // as seen from our user namespace
    uint64_t inode = 0;

    bool connected() const noexcept { return remote_addr.has_value(); }
};

// "inet", "inet6", or the number for other families.
std::string family_name(uint16_t family);

// --- messages ----------------------------------------------------------------
NlMsg build_stats_get(int family_id);
NlMsg build_sock_dump(int family_id);
NlMsg build_config_set(int family_id, bool port_unreach);
// Parse a STATS_GET reply.
NsStats parse_ns(nlmsghdr *nlh);
// Parse one SOCK_GET dump message. Throws Error(EBADMSG) when the family is
// not AF_INET/AF_INET6 or an address does not have the family's length.
Socket parse_sock(nlmsghdr *nlh);

// --- operations --------------------------------------------------------------

// Over the generic netlink family, in the namespace the client was created
// in. Throws Error(ENOENT, "generic netlink family \"kp_dgram\" not found,
// is its module loaded?") when the module is not loaded.
class Client {
public:
    Client(); // opens a socket and resolves KP_DGRAM_FAMILY_NAME

    NsStats stats_get();
    // Every socket, ordered by family, local port, local address and inode.
    // A dump interrupted by sockets coming or going (NLM_F_DUMP_INTR) is run
    // again, see retry_dump().
    DumpResult<std::vector<Socket>> sockets();
    // CONFIG_SET; EPERM without CAP_NET_ADMIN over the namespace.
    void config_set(bool port_unreach);

    genl::Family &family() noexcept { return family_; }

private:
    genl::Family family_;
};

} // namespace kpath::dgram
