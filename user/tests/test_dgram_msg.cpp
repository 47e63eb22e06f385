// SPDX-License-Identifier: GPL-2.0
// kp_dgram messages: what the library builds (parsed back with plain libnl)
// and what it makes of synthetic kernel replies (built with plain libnl).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <netlink/genl/genl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kpath/dgram.hpp"
#include "kpath/error.hpp"

namespace dgram = kpath::dgram;
using kpath::NlMsg;

namespace {

constexpr int kFamily = 0x1c; // any genl family id: messages are only built/parsed

std::vector<int> genl_types(nlmsghdr *nlh) {
    std::vector<int> types;
    auto *gh = static_cast<genlmsghdr *>(nlmsg_data(nlh));
    nlattr *nla;
    int rem;
    nla_for_each_attr(nla, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), rem)
            types.push_back(nla_type(nla));
    EXPECT_EQ(rem, 0) << "trailing bytes after the attributes";
    return types;
}

NlMsg reply(uint8_t cmd) {
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, NLM_F_MULTI, cmd, KP_DGRAM_FAMILY_VERSION);
    return msg;
}

// A nest of counters, value base + attribute type, with a PAD first as
// nla_put_u64_64bit() may add one; `skip` is left out.
void put_stats(nl_msg *m, int type, uint64_t base, int skip = -1) {
    nlattr *st = nla_nest_start(m, type);
    nla_put_u32(m, KP_DGRAM_A_STATS_PAD, 0);
    for (int a = KP_DGRAM_A_STATS_IN_DATAGRAMS; a <= KP_DGRAM_A_STATS_MAX; a++) {
        if (a != skip)
            nla_put_u64(m, a, base + static_cast<uint64_t>(a));
    }
    nla_nest_end(m, st);
}

void put_v4(nl_msg *m, int type, const char *a) {
    in_addr addr;
    ASSERT_EQ(inet_pton(AF_INET, a, &addr), 1);
    nla_put(m, type, 4, &addr);
}

void put_v6(nl_msg *m, int type, const char *a) {
    in6_addr addr;
    ASSERT_EQ(inet_pton(AF_INET6, a, &addr), 1);
    nla_put(m, type, 16, &addr);
}

} // namespace

// --- requests --------------------------------------------------------------------

TEST(DgramMsg, StatsGetIsADoWithoutAttributes) {
    NlMsg msg = dgram::build_stats_get(kFamily);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(nlh->nlmsg_type, kFamily);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    auto *gh = static_cast<genlmsghdr *>(nlmsg_data(nlh));
    EXPECT_EQ(gh->cmd, KP_DGRAM_CMD_STATS_GET);
    EXPECT_EQ(gh->version, KP_DGRAM_FAMILY_VERSION);
    EXPECT_TRUE(genl_types(nlh).empty());
}

TEST(DgramMsg, SockGetIsADump) {
    NlMsg msg = dgram::build_sock_dump(kFamily);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<genlmsghdr *>(nlmsg_data(nlh))->cmd, KP_DGRAM_CMD_SOCK_GET);
    EXPECT_TRUE(genl_types(nlh).empty());
}

TEST(DgramMsg, ConfigSetPortUnreach) {
    for (bool on : {true, false}) {
        NlMsg msg = dgram::build_config_set(kFamily, on);
        nlmsghdr *nlh = nlmsg_hdr(msg.get());
        EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
        EXPECT_EQ(static_cast<genlmsghdr *>(nlmsg_data(nlh))->cmd, KP_DGRAM_CMD_CONFIG_SET);
        EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_DGRAM_A_NS_PORT_UNREACH}));
        nlattr *tb[KP_DGRAM_A_NS_MAX + 1];
        ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_DGRAM_A_NS_MAX, nullptr), 0);
        EXPECT_EQ(nla_len(tb[KP_DGRAM_A_NS_PORT_UNREACH]), 1);
        EXPECT_EQ(nla_get_u8(tb[KP_DGRAM_A_NS_PORT_UNREACH]), on ? 1 : 0);
    }
}

// --- STATS_GET replies -------------------------------------------------------------

TEST(DgramParse, StatsReplyWithBothFamilies) {
    NlMsg msg = reply(KP_DGRAM_CMD_STATS_GET);
    nl_msg *m = msg.get();
    nla_put_u8(m, KP_DGRAM_A_NS_PROTO, 254);
    put_stats(m, KP_DGRAM_A_NS_STATS4, 0x100000000ull);
    put_stats(m, KP_DGRAM_A_NS_STATS6, 0x200000000ull);
    nla_put_u8(m, KP_DGRAM_A_NS_PORT_UNREACH, 0);

    const dgram::NsStats ns = dgram::parse_ns(nlmsg_hdr(m));
    EXPECT_EQ(ns.proto, 254);
    EXPECT_EQ(ns.port_unreach, false);
    ASSERT_TRUE(ns.ipv4);
    ASSERT_TRUE(ns.ipv6);
    const uint64_t b4 = 0x100000000ull, b6 = 0x200000000ull;
    EXPECT_EQ(ns.ipv4->in_datagrams, b4 + KP_DGRAM_A_STATS_IN_DATAGRAMS);
    EXPECT_EQ(ns.ipv4->no_ports, b4 + KP_DGRAM_A_STATS_NO_PORTS);
    EXPECT_EQ(ns.ipv4->in_errors, b4 + KP_DGRAM_A_STATS_IN_ERRORS);
    EXPECT_EQ(ns.ipv4->in_csum_errors, b4 + KP_DGRAM_A_STATS_IN_CSUM_ERRORS);
    EXPECT_EQ(ns.ipv4->rcvbuf_errors, b4 + KP_DGRAM_A_STATS_RCVBUF_ERRORS);
    EXPECT_EQ(ns.ipv4->out_datagrams, b4 + KP_DGRAM_A_STATS_OUT_DATAGRAMS);
    EXPECT_EQ(ns.ipv4->sndbuf_errors, b4 + KP_DGRAM_A_STATS_SNDBUF_ERRORS);
    EXPECT_EQ(ns.ipv6->in_datagrams, b6 + KP_DGRAM_A_STATS_IN_DATAGRAMS);
    EXPECT_EQ(ns.ipv6->sndbuf_errors, b6 + KP_DGRAM_A_STATS_SNDBUF_ERRORS);
}

TEST(DgramParse, WhatTheKernelDidNotSendStaysAbsent) {
    NlMsg msg = reply(KP_DGRAM_CMD_STATS_GET);
    nl_msg *m = msg.get();
    nla_put_u8(m, KP_DGRAM_A_NS_PORT_UNREACH, 1);
    put_stats(m, KP_DGRAM_A_NS_STATS6, 0, KP_DGRAM_A_STATS_SNDBUF_ERRORS);

    const dgram::NsStats ns = dgram::parse_ns(nlmsg_hdr(m));
    EXPECT_FALSE(ns.proto);
    EXPECT_EQ(ns.port_unreach, true);
    EXPECT_FALSE(ns.ipv4);
    ASSERT_TRUE(ns.ipv6);
    EXPECT_EQ(ns.ipv6->in_datagrams, KP_DGRAM_A_STATS_IN_DATAGRAMS);
    EXPECT_FALSE(ns.ipv6->sndbuf_errors);
}

TEST(DgramParse, StatFieldTableCoversEveryCounterOnce) {
    std::vector<int> attrs;
    for (const auto &f : dgram::stat_fields)
        attrs.push_back(f.attr);
    std::vector<int> expected;
    for (int a = KP_DGRAM_A_STATS_IN_DATAGRAMS; a <= KP_DGRAM_A_STATS_MAX; a++)
        expected.push_back(a);
    EXPECT_EQ(attrs, expected);
}

TEST(DgramParse, ShortCounterIsRejected) {
    NlMsg msg = reply(KP_DGRAM_CMD_STATS_GET);
    nlattr *st = nla_nest_start(msg.get(), KP_DGRAM_A_NS_STATS4);
    nla_put_u32(msg.get(), KP_DGRAM_A_STATS_IN_DATAGRAMS, 1); // u32, not u64
    nla_nest_end(msg.get(), st);
    try {
        dgram::parse_ns(nlmsg_hdr(msg.get()));
        FAIL() << "expected kpath::Error";
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
}

// --- SOCK_GET dump messages ----------------------------------------------------------

TEST(DgramParse, UnconnectedIpv4Socket) {
    NlMsg msg = reply(KP_DGRAM_CMD_SOCK_GET);
    nl_msg *m = msg.get();
    nla_put_u16(m, KP_DGRAM_A_SOCK_FAMILY, AF_INET);
    put_v4(m, KP_DGRAM_A_SOCK_LOCAL_ADDR, "0.0.0.0");
    nla_put_u16(m, KP_DGRAM_A_SOCK_LOCAL_PORT, 5000);
    nla_put_u32(m, KP_DGRAM_A_SOCK_RX_QUEUE, 768);
    nla_put_u32(m, KP_DGRAM_A_SOCK_TX_QUEUE, 0);
    nla_put_u32(m, KP_DGRAM_A_SOCK_DROPS, 3);
    nla_put_u32(m, KP_DGRAM_A_SOCK_UID, 1000);
    nla_put_u32(m, KP_DGRAM_A_SOCK_PAD, 0);
    nla_put_u64(m, KP_DGRAM_A_SOCK_INODE, 0x1234567890ull);

    const dgram::Socket s = dgram::parse_sock(nlmsg_hdr(m));
    EXPECT_EQ(s.family, AF_INET);
    EXPECT_EQ(s.local_addr.family, AF_INET);
    EXPECT_EQ(s.local_addr.str(), "0.0.0.0");
    EXPECT_EQ(s.local_port, 5000);
    EXPECT_FALSE(s.connected());
    EXPECT_FALSE(s.remote_addr);
    EXPECT_FALSE(s.remote_port);
    EXPECT_FALSE(s.bound_ifindex);
    EXPECT_EQ(s.rx_queue, 768u);
    EXPECT_EQ(s.tx_queue, 0u);
    EXPECT_EQ(s.drops, 3u);
    EXPECT_EQ(s.uid, 1000u);
    EXPECT_EQ(s.inode, 0x1234567890ull);
}

TEST(DgramParse, ConnectedIpv6SocketBoundToADevice) {
    NlMsg msg = reply(KP_DGRAM_CMD_SOCK_GET);
    nl_msg *m = msg.get();
    nla_put_u16(m, KP_DGRAM_A_SOCK_FAMILY, AF_INET6);
    put_v6(m, KP_DGRAM_A_SOCK_LOCAL_ADDR, "fe80::1");
    nla_put_u16(m, KP_DGRAM_A_SOCK_LOCAL_PORT, 40000);
    put_v6(m, KP_DGRAM_A_SOCK_REMOTE_ADDR, "2001:db8::2");
    nla_put_u16(m, KP_DGRAM_A_SOCK_REMOTE_PORT, 7);
    nla_put_u32(m, KP_DGRAM_A_SOCK_BOUND_IFINDEX, 4);
    nla_put_u64(m, KP_DGRAM_A_SOCK_INODE, 99);

    const dgram::Socket s = dgram::parse_sock(nlmsg_hdr(m));
    EXPECT_EQ(s.family, AF_INET6);
    EXPECT_EQ(s.local_addr.str(), "fe80::1");
    EXPECT_EQ(s.local_port, 40000);
    ASSERT_TRUE(s.connected());
    EXPECT_EQ(s.remote_addr->family, AF_INET6);
    EXPECT_EQ(s.remote_addr->str(), "2001:db8::2");
    EXPECT_EQ(s.remote_port, 7);
    EXPECT_EQ(s.bound_ifindex, 4u);
    EXPECT_EQ(s.inode, 99u);
    EXPECT_EQ(s.uid, 0u); // not sent: 0
}

TEST(DgramParse, AddressOfTheWrongLengthIsRejected) {
    NlMsg msg = reply(KP_DGRAM_CMD_SOCK_GET);
    nl_msg *m = msg.get();
    nla_put_u16(m, KP_DGRAM_A_SOCK_FAMILY, AF_INET6);
    put_v4(m, KP_DGRAM_A_SOCK_LOCAL_ADDR, "10.0.0.1"); // 4 bytes for AF_INET6
    try {
        dgram::parse_sock(nlmsg_hdr(m));
        FAIL() << "expected kpath::Error";
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
        EXPECT_EQ(e.note(), "kp_dgram: socket address attribute 3 of 4 bytes for family inet6");
    }
}

TEST(DgramParse, UnknownOrMissingFamilyIsRejected) {
    for (int family : {-1, AF_PACKET}) {
        NlMsg msg = reply(KP_DGRAM_CMD_SOCK_GET);
        if (family >= 0)
            nla_put_u16(msg.get(), KP_DGRAM_A_SOCK_FAMILY, static_cast<uint16_t>(family));
        nla_put_u16(msg.get(), KP_DGRAM_A_SOCK_LOCAL_PORT, 1);
        try {
            dgram::parse_sock(nlmsg_hdr(msg.get()));
            FAIL() << "expected kpath::Error";
        } catch (const kpath::Error &e) {
            EXPECT_EQ(e.error(), EBADMSG);
        }
    }
}

TEST(DgramParse, FamilyNames) {
    EXPECT_EQ(dgram::family_name(AF_INET), "inet");
    EXPECT_EQ(dgram::family_name(AF_INET6), "inet6");
    EXPECT_EQ(dgram::family_name(AF_PACKET), "17");
}
