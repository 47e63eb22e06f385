// SPDX-License-Identifier: GPL-2.0
#include "kpath/dgram.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "kpath/attr.hpp"
#include "kpath/error.hpp"

namespace kpath::dgram {

const std::array<StatField, 7> stat_fields = {{
        {KP_DGRAM_A_STATS_IN_DATAGRAMS, "in_datagrams", "InDatagrams", &Stats::in_datagrams},
        {KP_DGRAM_A_STATS_NO_PORTS, "no_ports", "NoPorts", &Stats::no_ports},
        {KP_DGRAM_A_STATS_IN_ERRORS, "in_errors", "InErrors", &Stats::in_errors},
        {KP_DGRAM_A_STATS_IN_CSUM_ERRORS, "in_csum_errors", "InCsumErrors", &Stats::in_csum_errors},
        {KP_DGRAM_A_STATS_RCVBUF_ERRORS, "rcvbuf_errors", "RcvbufErrors", &Stats::rcvbuf_errors},
        {KP_DGRAM_A_STATS_OUT_DATAGRAMS, "out_datagrams", "OutDatagrams", &Stats::out_datagrams},
        {KP_DGRAM_A_STATS_SNDBUF_ERRORS, "sndbuf_errors", "SndbufErrors", &Stats::sndbuf_errors},
}};

std::string Address::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if ((family != AF_INET && family != AF_INET6) ||
        !inet_ntop(family, bytes.data(), buf, sizeof(buf)))
        return "?";
    return buf;
}

std::string family_name(uint16_t family) {
    switch (family) {
    case AF_INET:
        return "inet";
    case AF_INET6:
        return "inet6";
    default:
        return std::to_string(family);
    }
}

namespace {

const nla_policy *ns_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_DGRAM_A_NS_MAX + 1> a{};
        a[KP_DGRAM_A_NS_PROTO].type = NLA_U8;
        a[KP_DGRAM_A_NS_STATS4].type = NLA_NESTED;
        a[KP_DGRAM_A_NS_STATS6].type = NLA_NESTED;
        a[KP_DGRAM_A_NS_PORT_UNREACH].type = NLA_U8;
        return a;
    }();
    return p.data();
}

const nla_policy *stats_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_DGRAM_A_STATS_MAX + 1> a{};
        for (const auto &f : stat_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U64;
        return a;
    }();
    return p.data();
}

const nla_policy *sock_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_DGRAM_A_SOCK_MAX + 1> a{};
        a[KP_DGRAM_A_SOCK_FAMILY].type = NLA_U16;
        // Addresses: the length is checked against the family in parse_sock().
        a[KP_DGRAM_A_SOCK_LOCAL_PORT].type = NLA_U16;
        a[KP_DGRAM_A_SOCK_REMOTE_PORT].type = NLA_U16;
        a[KP_DGRAM_A_SOCK_BOUND_IFINDEX].type = NLA_U32;
        a[KP_DGRAM_A_SOCK_RX_QUEUE].type = NLA_U32;
        a[KP_DGRAM_A_SOCK_TX_QUEUE].type = NLA_U32;
        a[KP_DGRAM_A_SOCK_DROPS].type = NLA_U32;
        a[KP_DGRAM_A_SOCK_UID].type = NLA_U32;
        a[KP_DGRAM_A_SOCK_INODE].type = NLA_U64;
        return a;
    }();
    return p.data();
}

std::optional<Stats> parse_stats(const attr::Table &tb, int type) {
    auto st = tb.nested(type, KP_DGRAM_A_STATS_MAX, stats_policy());
    if (!st)
        return std::nullopt;
    Stats s;
    for (const auto &f : stat_fields)
        s.*f.member = st->u64(f.attr); // nullopt when not sent
    return s;
}

// An address attribute of a socket of `family`; nullopt when absent.
std::optional<Address> parse_addr(const attr::Table &tb, int type, uint16_t family) {
    const nlattr *nla = tb.get(type);
    if (!nla)
        return std::nullopt;
    const size_t want = family == AF_INET ? 4 : 16;
    if (static_cast<size_t>(nla_len(nla)) != want)
        throw Error(EBADMSG, {},
                    KP_DGRAM_FAMILY_NAME ": socket address attribute " + std::to_string(type) +
                            " of " + std::to_string(nla_len(nla)) + " bytes for family " +
                            family_name(family));
    Address a;
    a.family = family;
    std::memcpy(a.bytes.data(), nla_data(nla), want);
    return a;
}

} // namespace

// --- messages ----------------------------------------------------------------

NlMsg build_stats_get(int family_id) {
    return genl::build(family_id, KP_DGRAM_CMD_STATS_GET, KP_DGRAM_FAMILY_VERSION);
}

NlMsg build_sock_dump(int family_id) {
    return genl::build(family_id, KP_DGRAM_CMD_SOCK_GET, KP_DGRAM_FAMILY_VERSION, NLM_F_DUMP);
}

NlMsg build_config_set(int family_id, bool port_unreach) {
    NlMsg msg = genl::build(family_id, KP_DGRAM_CMD_CONFIG_SET, KP_DGRAM_FAMILY_VERSION);
    attr::put_u8(msg.get(), KP_DGRAM_A_NS_PORT_UNREACH, port_unreach ? 1 : 0);
    return msg;
}

NsStats parse_ns(nlmsghdr *nlh) {
    const attr::Table tb = genl::parse(nlh, KP_DGRAM_A_NS_MAX, ns_policy());
    NsStats ns;
    ns.proto = tb.u8(KP_DGRAM_A_NS_PROTO);
    if (auto v = tb.u8(KP_DGRAM_A_NS_PORT_UNREACH))
        ns.port_unreach = *v != 0;
    ns.ipv4 = parse_stats(tb, KP_DGRAM_A_NS_STATS4);
    ns.ipv6 = parse_stats(tb, KP_DGRAM_A_NS_STATS6);
    return ns;
}

Socket parse_sock(nlmsghdr *nlh) {
    const attr::Table tb = genl::parse(nlh, KP_DGRAM_A_SOCK_MAX, sock_policy());
    Socket s;
    const auto family = tb.u16(KP_DGRAM_A_SOCK_FAMILY);
    if (!family || (*family != AF_INET && *family != AF_INET6))
        throw Error(EBADMSG, {},
                    KP_DGRAM_FAMILY_NAME ": socket of family " +
                            (family ? std::to_string(*family) : std::string("(none)")));
    s.family = *family;
    s.local_addr = parse_addr(tb, KP_DGRAM_A_SOCK_LOCAL_ADDR, s.family).value_or(Address{s.family});
    s.local_port = tb.u16(KP_DGRAM_A_SOCK_LOCAL_PORT).value_or(0);
    s.remote_addr = parse_addr(tb, KP_DGRAM_A_SOCK_REMOTE_ADDR, s.family);
    s.remote_port = tb.u16(KP_DGRAM_A_SOCK_REMOTE_PORT);
    s.bound_ifindex = tb.u32(KP_DGRAM_A_SOCK_BOUND_IFINDEX);
    s.rx_queue = tb.u32(KP_DGRAM_A_SOCK_RX_QUEUE).value_or(0);
    s.tx_queue = tb.u32(KP_DGRAM_A_SOCK_TX_QUEUE).value_or(0);
    s.drops = tb.u32(KP_DGRAM_A_SOCK_DROPS).value_or(0);
    s.uid = tb.u32(KP_DGRAM_A_SOCK_UID).value_or(0);
    s.inode = tb.u64(KP_DGRAM_A_SOCK_INODE).value_or(0);
    return s;
}

// --- operations --------------------------------------------------------------

Client::Client() : family_(KP_DGRAM_FAMILY_NAME, KP_DGRAM_FAMILY_VERSION) {}

NsStats Client::stats_get() {
    std::optional<NsStats> ns;
    NlMsg msg = build_stats_get(family_.id());
    family_.socket().request(msg, [&](nl_msg *reply) { ns = parse_ns(nlmsg_hdr(reply)); });
    if (!ns)
        throw Error(ENODATA, {}, "no reply to " KP_DGRAM_FAMILY_NAME " STATS_GET");
    return *ns;
}

DumpResult<std::vector<Socket>> Client::sockets() {
    auto r = retry_dump<std::vector<Socket>>([&](std::vector<Socket> &socks) {
        NlMsg msg = build_sock_dump(family_.id());
        return family_.socket().request(
                msg, [&](nl_msg *reply) { socks.push_back(parse_sock(nlmsg_hdr(reply))); });
    });
    // The kernel dumps in hash order: sort for stable output.
    auto key = [](const Socket &s) {
        return std::tie(s.family, s.local_port, s.local_addr.bytes, s.inode);
    };
    std::sort(r.items.begin(), r.items.end(),
              [&](const Socket &a, const Socket &b) { return key(a) < key(b); });
    return r;
}

void Client::config_set(bool port_unreach) {
    NlMsg msg = build_config_set(family_.id(), port_unreach);
    family_.socket().request(msg);
}

} // namespace kpath::dgram
