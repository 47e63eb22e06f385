// SPDX-License-Identifier: GPL-2.0
// rtnetlink link helpers: RTM_NEWLINK/DELLINK/GETLINK building and parsing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kpath/attr.hpp"
#include "kpath/netlink.hpp"

namespace kpath::rtnl {

// Attributes of a link to create (the link itself or a veth-style peer).
struct LinkSpec {
    std::string ifname;
    std::optional<uint32_t> mtu;
    int netns_fd = -1; // IFLA_NET_NS_FD when >= 0; must stay open until sent
};

// nlmsghdr + struct ifinfomsg (family AF_UNSPEC, given ifindex).
NlMsg build_link_msg(int type, int flags, int ifindex = 0);

// IFLA_IFNAME / IFLA_MTU / IFLA_NET_NS_FD of a LinkSpec.
void put_link_spec(nl_msg *msg, const LinkSpec &spec);

// A peer nest as VETH_INFO_PEER: nla_nest_start(attrtype), a struct
// ifinfomsg appended with nlmsg_append, then the peer's IFLA_* attributes.
void put_peer(nl_msg *msg, int attrtype, const LinkSpec &peer);

// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL: LinkSpec attributes, then
// IFLA_LINKINFO { IFLA_INFO_KIND kind, IFLA_INFO_DATA { fill_data(msg) } }.
// IFLA_INFO_DATA is left out when fill_data is empty.
NlMsg build_newlink(const LinkSpec &spec, const std::string &kind,
                    const std::function<void(nl_msg *)> &fill_data = {});

NlMsg build_dellink(int ifindex);

// RTM_GETLINK for one link; with target_netnsid the link is looked up in the
// netns with that id (IFLA_TARGET_NETNSID, as seen from ours).
NlMsg build_getlink(int ifindex, std::optional<int32_t> target_netnsid = std::nullopt);

// RTM_GETLINK dump, filtered in the kernel by IFLA_INFO_KIND when kind is
// given, without statistics (RTEXT_FILTER_SKIP_STATS).
NlMsg build_getlink_dump(const std::string &kind = {});

// What we read back from RTM_NEWLINK replies.
struct Link {
    uint32_t ifindex = 0;
    uint32_t flags = 0; // IFF_*
    std::string ifname;
    std::optional<uint32_t> mtu;
    uint8_t operstate = 0; // IF_OPER_*
    std::optional<bool> carrier;
    std::optional<uint32_t> link; // IFLA_LINK (veth-style peer ifindex)
    std::optional<int32_t> link_netnsid;
    std::string kind; // IFLA_INFO_KIND, empty if none
    // Copy of the IFLA_INFO_DATA payload, parse with info_data_table().
    std::vector<unsigned char> info_data;

    attr::Table info_data_table(int maxtype, const nla_policy *policy) const;
};

// Parse an RTM_NEWLINK message.
Link parse_link(nlmsghdr *nlh);

// "UP", "DOWN", "LOWERLAYERDOWN", ... as iproute2 prints IFLA_OPERSTATE.
std::string operstate_name(uint8_t operstate);

// Request helpers on an rtnetlink socket.
// All links (of `kind` when given), in the kernel's order. A dump interrupted
// by links coming or going is run again (retry_dump()); if it never completes
// consistently the last attempt's links are returned, flagged and warned about.
DumpResult<std::vector<Link>> dump_links(Socket &sock, const std::string &kind = {});
// nullopt if there is no such link (ENODEV).
std::optional<Link> get_link(Socket &sock, int ifindex,
                             std::optional<int32_t> target_netnsid = std::nullopt);
void del_link(Socket &sock, int ifindex);

} // namespace kpath::rtnl
