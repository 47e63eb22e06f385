// SPDX-License-Identifier: GPL-2.0
// kp_loop messages: what the library builds (parsed back with plain libnl)
// and what it makes of synthetic kernel replies (built with plain libnl).
#include <gtest/gtest.h>

#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/genl.h>

#include <cstring>
#include <vector>

#include "kpath/error.hpp"
#include "kpath/loop.hpp"
#include "kpath/rtnl.hpp"

namespace loop = kpath::loop;
using kpath::NlMsg;

namespace {

constexpr int kFamily = 0x1b; // any genl family id: messages are only built/parsed

std::vector<int> attr_types(nlattr *head, int len) {
    std::vector<int> types;
    nlattr *nla;
    int rem;
    nla_for_each_attr(nla, head, len, rem) types.push_back(nla_type(nla));
    EXPECT_EQ(rem, 0) << "trailing bytes after the attributes";
    return types;
}

std::vector<int> nested_types(nlattr *nest) {
    return attr_types(static_cast<nlattr *>(nla_data(nest)), nla_len(nest));
}

std::vector<int> rtnl_types(nlmsghdr *nlh) {
    return attr_types(nlmsg_attrdata(nlh, sizeof(ifinfomsg)),
                      nlmsg_attrlen(nlh, sizeof(ifinfomsg)));
}

std::vector<int> genl_types(nlmsghdr *nlh) {
    return attr_types(genlmsg_attrdata(static_cast<genlmsghdr *>(nlmsg_data(nlh)), 0),
                      genlmsg_attrlen(static_cast<genlmsghdr *>(nlmsg_data(nlh)), 0));
}

ifinfomsg ifinfo_of(nlmsghdr *nlh) {
    ifinfomsg ifi;
    std::memcpy(&ifi, nlmsg_data(nlh), sizeof(ifi));
    return ifi;
}

} // namespace

// --- rtnetlink requests -------------------------------------------------------------

TEST(LoopMsg, AddLoopMode) {
    loop::AddRequest req;
    req.ifname = "kp0";
    req.mtu = 1500;
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());

    EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi = ifinfo_of(nlh);
    EXPECT_EQ(ifi.ifi_family, AF_UNSPEC);
    EXPECT_EQ(ifi.ifi_index, 0);

    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_STREQ(nla_get_string(tb[IFLA_IFNAME]), "kp0");
    EXPECT_EQ(nla_get_u32(tb[IFLA_MTU]), 1500u);

    // Loop mode: kind only, no IFLA_INFO_DATA at all.
    EXPECT_EQ(nested_types(tb[IFLA_LINKINFO]), (std::vector<int>{IFLA_INFO_KIND}));
    nlattr *li[IFLA_INFO_MAX + 1];
    ASSERT_EQ(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr), 0);
    EXPECT_STREQ(nla_get_string(li[IFLA_INFO_KIND]), "kploop");
}

TEST(LoopMsg, AddPairModeWithPeerNetns) {
    loop::AddRequest req;
    req.ifname = "a0";
    req.peer = "b0";
    req.peer_netns_fd = 7;
    req.mtu = 9000;
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());

    EXPECT_EQ(nlh->nlmsg_type, RTM_NEWLINK);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    // IFLA_NET_NS_FD belongs to the peer only: the device stays here.
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_STREQ(nla_get_string(tb[IFLA_IFNAME]), "a0");

    EXPECT_EQ(nested_types(tb[IFLA_LINKINFO]), (std::vector<int>{IFLA_INFO_KIND, IFLA_INFO_DATA}));
    nlattr *li[IFLA_INFO_MAX + 1];
    ASSERT_EQ(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr), 0);
    EXPECT_STREQ(nla_get_string(li[IFLA_INFO_KIND]), "kploop");

    EXPECT_EQ(nested_types(li[IFLA_INFO_DATA]), (std::vector<int>{IFLA_KPLOOP_PEER}));
    nlattr *data[IFLA_KPLOOP_MAX + 1];
    ASSERT_EQ(nla_parse_nested(data, IFLA_KPLOOP_MAX, li[IFLA_INFO_DATA], nullptr), 0);
    nlattr *peer = data[IFLA_KPLOOP_PEER];
    ASSERT_NE(peer, nullptr);

    // VETH_INFO_PEER layout: struct ifinfomsg, then the peer's IFLA_* attributes.
    ASSERT_GE(nla_len(peer), static_cast<int>(NLMSG_ALIGN(sizeof(ifinfomsg))));
    ifinfomsg pifi;
    std::memcpy(&pifi, nla_data(peer), sizeof(pifi));
    EXPECT_EQ(pifi.ifi_family, AF_UNSPEC);
    EXPECT_EQ(pifi.ifi_index, 0);
    EXPECT_EQ(pifi.ifi_flags, 0u);
    EXPECT_EQ(pifi.ifi_change, 0u);

    auto *pattrs = reinterpret_cast<nlattr *>(static_cast<char *>(nla_data(peer)) +
                                              NLMSG_ALIGN(sizeof(ifinfomsg)));
    const int plen = nla_len(peer) - static_cast<int>(NLMSG_ALIGN(sizeof(ifinfomsg)));
    EXPECT_EQ(attr_types(pattrs, plen), (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_NET_NS_FD}));
    nlattr *ptb[IFLA_MAX + 1];
    ASSERT_EQ(nla_parse(ptb, IFLA_MAX, pattrs, plen, nullptr), 0);
    EXPECT_STREQ(nla_get_string(ptb[IFLA_IFNAME]), "b0");
    EXPECT_EQ(nla_get_u32(ptb[IFLA_MTU]), 9000u);
    EXPECT_EQ(nla_get_u32(ptb[IFLA_NET_NS_FD]), 7u);
}

TEST(LoopMsg, AddPairWithoutNetnsOrMtu) {
    loop::AddRequest req;
    req.ifname = "kp0";
    req.peer = "kp1";
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_IFNAME, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *data[IFLA_KPLOOP_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    ASSERT_EQ(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr), 0);
    ASSERT_EQ(nla_parse_nested(data, IFLA_KPLOOP_MAX, li[IFLA_INFO_DATA], nullptr), 0);
    nlattr *peer = data[IFLA_KPLOOP_PEER];
    auto *pattrs = reinterpret_cast<nlattr *>(static_cast<char *>(nla_data(peer)) +
                                              NLMSG_ALIGN(sizeof(ifinfomsg)));
    const int plen = nla_len(peer) - static_cast<int>(NLMSG_ALIGN(sizeof(ifinfomsg)));
    EXPECT_EQ(attr_types(pattrs, plen), (std::vector<int>{IFLA_IFNAME}));
    EXPECT_STREQ(static_cast<const char *>(nla_data(pattrs)), "kp1");
}

namespace {

// The attribute table and attribute types inside IFLA_KPLOOP_PEER (after its
// struct ifinfomsg) of an RTM_NEWLINK built by build_add(); types empty when
// there is no peer.
struct PeerAttrs {
    std::vector<int> types;
    std::vector<nlattr *> tb = std::vector<nlattr *>(IFLA_MAX + 1, nullptr);
};

PeerAttrs peer_attrs(nlmsghdr *nlh) {
    PeerAttrs r;
    nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1], *data[IFLA_KPLOOP_MAX + 1];
    if (nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0 || !tb[IFLA_LINKINFO] ||
        nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) < 0 ||
        !li[IFLA_INFO_DATA] ||
        nla_parse_nested(data, IFLA_KPLOOP_MAX, li[IFLA_INFO_DATA], nullptr) < 0 ||
        !data[IFLA_KPLOOP_PEER])
        return r;
    nlattr *peer = data[IFLA_KPLOOP_PEER];
    auto *pattrs = reinterpret_cast<nlattr *>(static_cast<char *>(nla_data(peer)) +
                                              NLMSG_ALIGN(sizeof(ifinfomsg)));
    const int plen = nla_len(peer) - static_cast<int>(NLMSG_ALIGN(sizeof(ifinfomsg)));
    r.types = attr_types(pattrs, plen);
    EXPECT_EQ(nla_parse(r.tb.data(), IFLA_MAX, pattrs, plen, nullptr), 0);
    return r;
}

} // namespace

TEST(LoopMsg, AddBothEndsEachInItsNetns) {
    // kpctl loop add a netns N mtu 9000 peer b netns M mtu 1500
    loop::AddRequest req;
    req.ifname = "a";
    req.netns_fd = 5;
    req.mtu = 9000;
    req.peer = "b";
    req.peer_netns_fd = 7;
    req.peer_mtu = 1500;
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());

    // The device's IFLA_NET_NS_FD at the top level ...
    EXPECT_EQ(rtnl_types(nlh),
              (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_NET_NS_FD, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_STREQ(nla_get_string(tb[IFLA_IFNAME]), "a");
    EXPECT_EQ(nla_get_u32(tb[IFLA_MTU]), 9000u);
    EXPECT_EQ(nla_get_u32(tb[IFLA_NET_NS_FD]), 5u);

    // ... the peer's inside IFLA_KPLOOP_PEER.
    PeerAttrs p = peer_attrs(nlh);
    EXPECT_EQ(p.types, (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_NET_NS_FD}));
    ASSERT_NE(p.tb[IFLA_NET_NS_FD], nullptr);
    EXPECT_STREQ(nla_get_string(p.tb[IFLA_IFNAME]), "b");
    EXPECT_EQ(nla_get_u32(p.tb[IFLA_MTU]), 1500u);
    EXPECT_EQ(nla_get_u32(p.tb[IFLA_NET_NS_FD]), 7u);
}

TEST(LoopMsg, AddDeviceElsewherePeerHereWithTheDevicesMtu) {
    // kpctl loop add a netns N mtu 9000 peer b
    loop::AddRequest req;
    req.ifname = "a";
    req.netns_fd = 4;
    req.mtu = 9000;
    req.peer = "b";
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(rtnl_types(nlh),
              (std::vector<int>{IFLA_IFNAME, IFLA_MTU, IFLA_NET_NS_FD, IFLA_LINKINFO}));
    PeerAttrs p = peer_attrs(nlh);
    EXPECT_EQ(p.types, (std::vector<int>{IFLA_IFNAME, IFLA_MTU})); // no netns: created here
    ASSERT_NE(p.tb[IFLA_MTU], nullptr);
    EXPECT_EQ(nla_get_u32(p.tb[IFLA_MTU]), 9000u);
}

TEST(LoopMsg, AddLoopModeInAnotherNetns) {
    loop::AddRequest req;
    req.ifname = "kp0";
    req.netns_fd = 3;
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_IFNAME, IFLA_NET_NS_FD, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_EQ(nla_get_u32(tb[IFLA_NET_NS_FD]), 3u);
    EXPECT_EQ(nested_types(tb[IFLA_LINKINFO]), (std::vector<int>{IFLA_INFO_KIND}));
}

TEST(LoopMsg, AddPeerWithItsOwnMtuOnly) {
    loop::AddRequest req;
    req.ifname = "a";
    req.peer = "b";
    req.peer_mtu = 9000;
    NlMsg msg = loop::build_add(req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_IFNAME, IFLA_LINKINFO}));
    PeerAttrs p = peer_attrs(nlh);
    EXPECT_EQ(p.types, (std::vector<int>{IFLA_IFNAME, IFLA_MTU}));
    ASSERT_NE(p.tb[IFLA_MTU], nullptr);
    EXPECT_EQ(nla_get_u32(p.tb[IFLA_MTU]), 9000u);
}

TEST(LoopMsg, Del) {
    NlMsg msg = loop::build_del(42);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(nlh->nlmsg_type, RTM_DELLINK);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    EXPECT_EQ(ifinfo_of(nlh).ifi_index, 42);
    EXPECT_EQ(nlmsg_attrlen(nlh, sizeof(ifinfomsg)), 0);
}

TEST(RtnlMsg, GetlinkDumpFiltersByKindWithoutStats) {
    NlMsg msg = kpath::rtnl::build_getlink_dump("kploop");
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(nlh->nlmsg_type, RTM_GETLINK);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_EXT_MASK, IFLA_LINKINFO}));
    nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_EQ(nla_get_u32(tb[IFLA_EXT_MASK]), static_cast<uint32_t>(RTEXT_FILTER_SKIP_STATS));
    ASSERT_EQ(nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr), 0);
    EXPECT_STREQ(nla_get_string(li[IFLA_INFO_KIND]), "kploop");
}

TEST(RtnlMsg, GetlinkInAnotherNetns) {
    NlMsg msg = kpath::rtnl::build_getlink(9, 3);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    EXPECT_EQ(ifinfo_of(nlh).ifi_index, 9);
    EXPECT_EQ(rtnl_types(nlh), (std::vector<int>{IFLA_EXT_MASK, IFLA_TARGET_NETNSID}));
    nlattr *tb[IFLA_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlh, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
    EXPECT_EQ(nla_get_s32(tb[IFLA_TARGET_NETNSID]), 3);
}

// --- generic netlink requests --------------------------------------------------------

TEST(LoopMsg, DevSet) {
    loop::SetRequest req;
    req.ifindex = 5;
    req.ifname = "kp0"; // ignored: the ifindex selects the device
    req.drop_ppm = 10000;
    req.carrier = false;
    NlMsg msg = loop::build_dev_set(kFamily, req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());

    EXPECT_EQ(nlh->nlmsg_type, kFamily);
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    auto *gh = static_cast<genlmsghdr *>(nlmsg_data(nlh));
    EXPECT_EQ(gh->cmd, KP_LOOP_CMD_DEV_SET);
    EXPECT_EQ(gh->version, KP_LOOP_FAMILY_VERSION);

    EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_LOOP_A_DEV_IFINDEX, KP_LOOP_A_DEV_DROP_PPM,
                                                 KP_LOOP_A_DEV_CARRIER}));
    nlattr *tb[KP_LOOP_A_DEV_MAX + 1];
    ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_LOOP_A_DEV_MAX, nullptr), 0);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_IFINDEX]), 5u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_DROP_PPM]), 10000u);
    EXPECT_EQ(nla_len(tb[KP_LOOP_A_DEV_CARRIER]), 1);
    EXPECT_EQ(nla_get_u8(tb[KP_LOOP_A_DEV_CARRIER]), 0);
}

TEST(LoopMsg, DevSetAllFieldsByName) {
    loop::SetRequest req;
    req.ifname = "a0";
    req.drop_ppm = 0;
    req.corrupt_ppm = 5000;
    req.dup_ppm = 1000000;
    req.carrier = true;
    NlMsg msg = loop::build_dev_set(kFamily, req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_LOOP_A_DEV_IFNAME, KP_LOOP_A_DEV_DROP_PPM,
                                                 KP_LOOP_A_DEV_CORRUPT_PPM, KP_LOOP_A_DEV_DUP_PPM,
                                                 KP_LOOP_A_DEV_CARRIER}));
    nlattr *tb[KP_LOOP_A_DEV_MAX + 1];
    ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_LOOP_A_DEV_MAX, nullptr), 0);
    EXPECT_STREQ(nla_get_string(tb[KP_LOOP_A_DEV_IFNAME]), "a0");
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_DROP_PPM]), 0u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_CORRUPT_PPM]), 5000u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_DUP_PPM]), 1000000u);
    EXPECT_EQ(nla_get_u8(tb[KP_LOOP_A_DEV_CARRIER]), 1);
}

TEST(LoopMsg, DevSetSeedAndBurstModel) {
    loop::SetRequest req;
    req.ifindex = 9;
    req.seed = 0x123456789abcdefULL;
    req.ge_p_ppm = 20000;
    req.ge_r_ppm = 200000;
    req.ge_bad_drop_ppm = 1000000;
    req.ge_good_drop_ppm = 0;
    NlMsg msg = loop::build_dev_set(kFamily, req);
    nlmsghdr *nlh = nlmsg_hdr(msg.get());
    EXPECT_EQ(genl_types(nlh),
              (std::vector<int>{KP_LOOP_A_DEV_IFINDEX, KP_LOOP_A_DEV_SEED, KP_LOOP_A_DEV_GE_P_PPM,
                                KP_LOOP_A_DEV_GE_R_PPM, KP_LOOP_A_DEV_GE_BAD_DROP_PPM,
                                KP_LOOP_A_DEV_GE_GOOD_DROP_PPM}));
    nlattr *tb[KP_LOOP_A_DEV_MAX + 1];
    ASSERT_EQ(genlmsg_parse(nlh, 0, tb, KP_LOOP_A_DEV_MAX, nullptr), 0);
    EXPECT_EQ(nla_len(tb[KP_LOOP_A_DEV_SEED]), 8);
    EXPECT_EQ(nla_get_u64(tb[KP_LOOP_A_DEV_SEED]), 0x123456789abcdefULL);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_GE_P_PPM]), 20000u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_GE_R_PPM]), 200000u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_GE_BAD_DROP_PPM]), 1000000u);
    EXPECT_EQ(nla_get_u32(tb[KP_LOOP_A_DEV_GE_GOOD_DROP_PPM]), 0u);
}

TEST(LoopMsg, DevGetDoAndDump) {
    NlMsg get = loop::build_dev_get(kFamily, 7u);
    nlmsghdr *nlh = nlmsg_hdr(get.get());
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
    EXPECT_EQ(static_cast<genlmsghdr *>(nlmsg_data(nlh))->cmd, KP_LOOP_CMD_DEV_GET);
    EXPECT_EQ(genl_types(nlh), (std::vector<int>{KP_LOOP_A_DEV_IFINDEX}));

    NlMsg byname = loop::build_dev_get(kFamily, std::string("kp0"));
    EXPECT_EQ(genl_types(nlmsg_hdr(byname.get())), (std::vector<int>{KP_LOOP_A_DEV_IFNAME}));

    NlMsg dump = loop::build_dev_dump(kFamily);
    nlh = nlmsg_hdr(dump.get());
    EXPECT_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    EXPECT_EQ(static_cast<genlmsghdr *>(nlmsg_data(nlh))->cmd, KP_LOOP_CMD_DEV_GET);
    EXPECT_TRUE(genl_types(nlh).empty());
}

// --- parsing synthetic kernel messages ----------------------------------------------

namespace {

// A DEV_GET reply / notification as the module would send it.
NlMsg synthetic_dev(uint8_t cmd, bool pair, bool with_stats) {
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, cmd, KP_LOOP_FAMILY_VERSION);
    nl_msg *m = msg.get();
    nla_put_u32(m, KP_LOOP_A_DEV_IFINDEX, 12);
    nla_put_string(m, KP_LOOP_A_DEV_IFNAME, pair ? "a0" : "kp0");
    nla_put_u32(m, KP_LOOP_A_DEV_MODE, pair ? KP_LOOP_MODE_PAIR : KP_LOOP_MODE_LOOP);
    if (pair) {
        nla_put_u32(m, KP_LOOP_A_DEV_PEER_IFINDEX, 3);
        nla_put_s32(m, KP_LOOP_A_DEV_PEER_NETNSID, 1);
    }
    nla_put_u8(m, KP_LOOP_A_DEV_CARRIER, 0);
    nla_put_u32(m, KP_LOOP_A_DEV_DROP_PPM, 10000);
    nla_put_u32(m, KP_LOOP_A_DEV_CORRUPT_PPM, 20);
    nla_put_u32(m, KP_LOOP_A_DEV_DUP_PPM, 1000000);
    nla_put_u32(m, KP_LOOP_A_DEV_MTU, 9000);
    if (with_stats) {
        nlattr *st = nla_nest_start(m, KP_LOOP_A_DEV_STATS);
        nla_put_u32(m, KP_LOOP_A_STATS_PAD, 0); // as nla_put_u64_64bit may add
        uint64_t v = 0x100000000ull;            // needs all 64 bits
        for (int a = KP_LOOP_A_STATS_TX_PACKETS; a <= KP_LOOP_A_STATS_MAX; a++)
            nla_put_u64(m, a, v + static_cast<uint64_t>(a));
        nla_nest_end(m, st);
    }
    return msg;
}

} // namespace

TEST(LoopParse, DevGetReplyPairWithStats) {
    NlMsg msg = synthetic_dev(KP_LOOP_CMD_DEV_GET, true, true);
    loop::LoopDev d = loop::parse_dev(nlmsg_hdr(msg.get()));
    EXPECT_EQ(d.ifindex, 12u);
    EXPECT_EQ(d.ifname, "a0");
    EXPECT_EQ(d.mode, loop::Mode::Pair);
    EXPECT_EQ(d.peer_ifindex, 3u);
    EXPECT_EQ(d.peer_netnsid, 1);
    EXPECT_EQ(d.carrier, false);
    EXPECT_EQ(d.drop_ppm, 10000u);
    EXPECT_EQ(d.corrupt_ppm, 20u);
    EXPECT_EQ(d.dup_ppm, 1000000u);
    EXPECT_EQ(d.mtu, 9000u);
    ASSERT_TRUE(d.stats);
    const uint64_t b = 0x100000000ull;
    EXPECT_EQ(d.stats->tx_packets, b + KP_LOOP_A_STATS_TX_PACKETS);
    EXPECT_EQ(d.stats->tx_bytes, b + KP_LOOP_A_STATS_TX_BYTES);
    EXPECT_EQ(d.stats->rx_packets, b + KP_LOOP_A_STATS_RX_PACKETS);
    EXPECT_EQ(d.stats->rx_bytes, b + KP_LOOP_A_STATS_RX_BYTES);
    EXPECT_EQ(d.stats->rx_backlog_drops, b + KP_LOOP_A_STATS_RX_BACKLOG_DROPS);
    EXPECT_EQ(d.stats->rx_other_drops, b + KP_LOOP_A_STATS_RX_OTHER_DROPS);
    EXPECT_EQ(d.stats->tx_carrier_drops, b + KP_LOOP_A_STATS_TX_CARRIER_DROPS);
    EXPECT_EQ(d.stats->fault_drops, b + KP_LOOP_A_STATS_FAULT_DROPS);
    EXPECT_EQ(d.stats->fault_corrupts, b + KP_LOOP_A_STATS_FAULT_CORRUPTS);
    EXPECT_EQ(d.stats->fault_dups, b + KP_LOOP_A_STATS_FAULT_DUPS);
    EXPECT_EQ(d.stats->tx_runt_drops, b + KP_LOOP_A_STATS_TX_RUNT_DROPS);
}

TEST(LoopParse, DevGetReplyLoopModeWithoutOptionalAttributes) {
    NlMsg msg = synthetic_dev(KP_LOOP_CMD_DEV_GET, false, false);
    loop::LoopDev d = loop::parse_dev(nlmsg_hdr(msg.get()));
    EXPECT_EQ(d.ifname, "kp0");
    EXPECT_EQ(d.mode, loop::Mode::Loop);
    EXPECT_FALSE(d.peer_ifindex);
    EXPECT_FALSE(d.peer_netnsid);
    EXPECT_FALSE(d.stats);
}

TEST(LoopParse, CountersNotSentStayAbsent) {
    // An older module: a statistics nest without tx_runt_drops (and, here,
    // without fault_dups either).
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, KP_LOOP_CMD_DEV_GET, KP_LOOP_FAMILY_VERSION);
    nl_msg *m = msg.get();
    nla_put_u32(m, KP_LOOP_A_DEV_IFINDEX, 12);
    nla_put_string(m, KP_LOOP_A_DEV_IFNAME, "kp0");
    nlattr *st = nla_nest_start(m, KP_LOOP_A_DEV_STATS);
    for (int a = KP_LOOP_A_STATS_TX_PACKETS; a <= KP_LOOP_A_STATS_MAX; a++) {
        if (a != KP_LOOP_A_STATS_TX_RUNT_DROPS && a != KP_LOOP_A_STATS_FAULT_DUPS)
            nla_put_u64(m, a, 0);
    }
    nla_nest_end(m, st);

    loop::LoopDev d = loop::parse_dev(nlmsg_hdr(msg.get()));
    ASSERT_TRUE(d.stats);
    EXPECT_EQ(d.stats->tx_packets, 0u); // sent as 0: present
    EXPECT_EQ(d.stats->fault_corrupts, 0u);
    EXPECT_FALSE(d.stats->fault_dups);
    EXPECT_FALSE(d.stats->tx_runt_drops);
}

TEST(LoopParse, StatFieldTableCoversEveryCounterOnce) {
    std::vector<int> attrs;
    for (const auto &f : loop::stat_fields)
        attrs.push_back(f.attr);
    std::vector<int> expected;
    for (int a = KP_LOOP_A_STATS_TX_PACKETS; a <= KP_LOOP_A_STATS_MAX; a++)
        expected.push_back(a);
    EXPECT_EQ(attrs, expected);
}

TEST(LoopParse, ShortCounterIsRejected) {
    NlMsg msg(nlmsg_alloc());
    genlmsg_put(msg.get(), 0, 0, kFamily, 0, 0, KP_LOOP_CMD_DEV_GET, 1);
    nla_put_u32(msg.get(), KP_LOOP_A_DEV_IFINDEX, 1);
    nlattr *st = nla_nest_start(msg.get(), KP_LOOP_A_DEV_STATS);
    nla_put_u32(msg.get(), KP_LOOP_A_STATS_TX_PACKETS, 1); // u32, not u64
    nla_nest_end(msg.get(), st);
    try {
        loop::parse_dev(nlmsg_hdr(msg.get()));
        FAIL() << "expected kpath::Error";
    } catch (const kpath::Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
}

TEST(LoopParse, Events) {
    struct Case {
        uint8_t cmd;
        loop::EventType type;
        const char *name;
    };
    for (const Case &c : {Case{KP_LOOP_CMD_DEV_ADD_NTF, loop::EventType::Add, "add"},
                          Case{KP_LOOP_CMD_DEV_DEL_NTF, loop::EventType::Del, "del"},
                          Case{KP_LOOP_CMD_DEV_CHANGE_NTF, loop::EventType::Change, "change"}}) {
        NlMsg msg = synthetic_dev(c.cmd, false, false);
        auto ev = loop::parse_event(nlmsg_hdr(msg.get()));
        ASSERT_TRUE(ev);
        EXPECT_EQ(ev->type, c.type);
        EXPECT_EQ(loop::event_name(ev->type), c.name);
        EXPECT_EQ(ev->dev.ifindex, 12u);
        EXPECT_EQ(ev->dev.drop_ppm, 10000u);
    }
    NlMsg reply = synthetic_dev(KP_LOOP_CMD_DEV_GET, false, false);
    EXPECT_FALSE(loop::parse_event(nlmsg_hdr(reply.get())));
}

namespace {

// An RTM_NEWLINK as the kernel reports a kploop (or other) link.
NlMsg synthetic_link(const char *kind, bool pair, bool other_netns) {
    NlMsg msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_MULTI));
    ifinfomsg ifi = {};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = 6;
    ifi.ifi_flags = IFF_UP | IFF_RUNNING;
    nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO);
    nl_msg *m = msg.get();
    nla_put_string(m, IFLA_IFNAME, "a0");
    nla_put_u32(m, IFLA_MTU, 1500);
    nla_put_u8(m, IFLA_OPERSTATE, IF_OPER_LOWERLAYERDOWN);
    nla_put_u8(m, IFLA_CARRIER, 0);
    if (pair)
        nla_put_u32(m, IFLA_LINK, 7);
    if (other_netns)
        nla_put_s32(m, IFLA_LINK_NETNSID, 2);
    nlattr *li = nla_nest_start(m, IFLA_LINKINFO);
    nla_put_string(m, IFLA_INFO_KIND, kind);
    nlattr *data = nla_nest_start(m, IFLA_INFO_DATA);
    nla_put_u32(m, IFLA_KPLOOP_MODE, pair ? KP_LOOP_MODE_PAIR : KP_LOOP_MODE_LOOP);
    if (pair)
        nla_put_u32(m, IFLA_KPLOOP_PEER_IFINDEX, 7);
    nla_put_u8(m, IFLA_KPLOOP_CARRIER, 1);
    nla_put_u32(m, IFLA_KPLOOP_DROP_PPM, 1);
    nla_put_u32(m, IFLA_KPLOOP_CORRUPT_PPM, 2);
    nla_put_u32(m, IFLA_KPLOOP_DUP_PPM, 3);
    nla_nest_end(m, data);
    nla_nest_end(m, li);
    return msg;
}

} // namespace

TEST(LoopParse, RtnetlinkPairLinkInAnotherNetns) {
    NlMsg msg = synthetic_link("kploop", true, true);
    kpath::rtnl::Link link = kpath::rtnl::parse_link(nlmsg_hdr(msg.get()));
    EXPECT_EQ(link.ifindex, 6u);
    EXPECT_EQ(link.kind, "kploop");
    EXPECT_EQ(link.link, 7u);

    auto l = loop::parse_link(link);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->dev.ifindex, 6u);
    EXPECT_EQ(l->dev.ifname, "a0");
    EXPECT_EQ(l->dev.mode, loop::Mode::Pair);
    EXPECT_EQ(l->dev.peer_ifindex, 7u);
    EXPECT_EQ(l->dev.peer_netnsid, 2);
    EXPECT_EQ(l->dev.mtu, 1500u);
    EXPECT_EQ(l->dev.carrier, true); // administrative
    EXPECT_EQ(l->carrier, false);    // operational
    EXPECT_EQ(l->operstate, "LOWERLAYERDOWN");
    EXPECT_EQ(l->dev.drop_ppm, 1u);
    EXPECT_EQ(l->dev.corrupt_ppm, 2u);
    EXPECT_EQ(l->dev.dup_ppm, 3u);
    EXPECT_FALSE(l->dev.stats);
}

TEST(LoopParse, RtnetlinkLoopLinkAndOtherKinds) {
    NlMsg msg = synthetic_link("kploop", false, false);
    auto l = loop::parse_link(kpath::rtnl::parse_link(nlmsg_hdr(msg.get())));
    ASSERT_TRUE(l);
    EXPECT_EQ(l->dev.mode, loop::Mode::Loop);
    EXPECT_FALSE(l->dev.peer_ifindex);
    EXPECT_FALSE(l->dev.peer_netnsid);

    NlMsg veth = synthetic_link("veth", true, false);
    EXPECT_FALSE(loop::parse_link(kpath::rtnl::parse_link(nlmsg_hdr(veth.get()))));
}

TEST(RtnlParse, OperstateNames) {
    EXPECT_EQ(kpath::rtnl::operstate_name(IF_OPER_UNKNOWN), "UNKNOWN");
    EXPECT_EQ(kpath::rtnl::operstate_name(IF_OPER_DOWN), "DOWN");
    EXPECT_EQ(kpath::rtnl::operstate_name(IF_OPER_LOWERLAYERDOWN), "LOWERLAYERDOWN");
    EXPECT_EQ(kpath::rtnl::operstate_name(IF_OPER_UP), "UP");
    EXPECT_EQ(kpath::rtnl::operstate_name(42), "42");
}
