// SPDX-License-Identifier: GPL-2.0
#include "kpath/rtnl.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "kpath/error.hpp"

namespace kpath::rtnl {

namespace {

ifinfomsg make_ifinfo(int ifindex) {
    ifinfomsg ifi;
    std::memset(&ifi, 0, sizeof(ifi));
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    return ifi;
}

} // namespace

NlMsg build_link_msg(int type, int flags, int ifindex) {
    NlMsg msg = msg_alloc_simple(type, flags);
    ifinfomsg ifi = make_ifinfo(ifindex);
    msg_append(msg.get(), &ifi, sizeof(ifi));
    return msg;
}

void put_link_spec(nl_msg *msg, const LinkSpec &spec) {
    if (!spec.ifname.empty())
        attr::put_string(msg, IFLA_IFNAME, spec.ifname);
    if (spec.mtu)
        attr::put_u32(msg, IFLA_MTU, *spec.mtu);
    if (spec.netns_fd >= 0)
        attr::put_u32(msg, IFLA_NET_NS_FD, static_cast<uint32_t>(spec.netns_fd));
}

void put_peer(nl_msg *msg, int attrtype, const LinkSpec &peer) {
    attr::Nest nest(msg, attrtype);
    ifinfomsg ifi = make_ifinfo(0);
    msg_append(msg, &ifi, sizeof(ifi));
    put_link_spec(msg, peer);
    nest.end();
}

NlMsg build_newlink(const LinkSpec &spec, const std::string &kind,
                    const std::function<void(nl_msg *)> &fill_data) {
    NlMsg msg = build_link_msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
    put_link_spec(msg.get(), spec);

    attr::Nest linkinfo(msg.get(), IFLA_LINKINFO);
    attr::put_string(msg.get(), IFLA_INFO_KIND, kind);
    if (fill_data) {
        attr::Nest data(msg.get(), IFLA_INFO_DATA);
        fill_data(msg.get());
        data.end();
    }
    linkinfo.end();
    return msg;
}

NlMsg build_dellink(int ifindex) {
    return build_link_msg(RTM_DELLINK, NLM_F_REQUEST, ifindex);
}

NlMsg build_getlink(int ifindex, std::optional<int32_t> target_netnsid) {
    NlMsg msg = build_link_msg(RTM_GETLINK, NLM_F_REQUEST, ifindex);
    attr::put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (target_netnsid)
        attr::put_s32(msg.get(), IFLA_TARGET_NETNSID, *target_netnsid);
    return msg;
}

NlMsg build_getlink_dump(const std::string &kind) {
    NlMsg msg = build_link_msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
    attr::put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    if (!kind.empty()) {
        attr::Nest linkinfo(msg.get(), IFLA_LINKINFO);
        attr::put_string(msg.get(), IFLA_INFO_KIND, kind);
        linkinfo.end();
    }
    return msg;
}

attr::Table Link::info_data_table(int maxtype, const nla_policy *policy) const {
    if (info_data.empty())
        return attr::Table(maxtype);
    // nla_parse() takes non-const pointers but does not write through them.
    auto *head = reinterpret_cast<nlattr *>(const_cast<unsigned char *>(info_data.data()));
    return attr::Table::parse(head, static_cast<int>(info_data.size()), maxtype, policy);
}

Link parse_link(nlmsghdr *nlh) {
    if (nlh->nlmsg_type != RTM_NEWLINK || nlmsg_datalen(nlh) < static_cast<int>(sizeof(ifinfomsg)))
        throw Error(EBADMSG, {}, "not an RTM_NEWLINK message");

    static const auto policy = [] {
        std::array<nla_policy, IFLA_MAX + 1> p{};
        p[IFLA_IFNAME] = {NLA_STRING, 0, IFNAMSIZ};
        p[IFLA_MTU].type = NLA_U32;
        p[IFLA_OPERSTATE].type = NLA_U8;
        p[IFLA_CARRIER].type = NLA_U8;
        p[IFLA_LINK].type = NLA_U32;
        p[IFLA_LINK_NETNSID] = {NLA_S32, sizeof(int32_t), 0};
        p[IFLA_LINKINFO].type = NLA_NESTED;
        return p;
    }();
    static const auto info_policy = [] {
        std::array<nla_policy, IFLA_INFO_MAX + 1> p{};
        p[IFLA_INFO_KIND].type = NLA_STRING;
        p[IFLA_INFO_DATA].type = NLA_NESTED;
        return p;
    }();

    ifinfomsg ifi;
    std::memcpy(&ifi, nlmsg_data(nlh), sizeof(ifi));
    attr::Table tb = attr::Table::parse_msg(nlh, sizeof(ifinfomsg), IFLA_MAX, policy.data());

    Link link;
    link.ifindex = static_cast<uint32_t>(ifi.ifi_index);
    link.flags = ifi.ifi_flags;
    link.ifname = tb.str(IFLA_IFNAME).value_or("");
    link.mtu = tb.u32(IFLA_MTU);
    link.operstate = tb.u8(IFLA_OPERSTATE).value_or(IF_OPER_UNKNOWN);
    if (auto c = tb.u8(IFLA_CARRIER))
        link.carrier = *c != 0;
    link.link = tb.u32(IFLA_LINK);
    link.link_netnsid = tb.s32(IFLA_LINK_NETNSID);
    if (auto info = tb.nested(IFLA_LINKINFO, IFLA_INFO_MAX, info_policy.data())) {
        link.kind = info->str(IFLA_INFO_KIND).value_or("");
        if (const nlattr *data = info->get(IFLA_INFO_DATA))
            link.info_data = attr::copy_payload(data);
    }
    return link;
}

std::string operstate_name(uint8_t operstate) {
    static const char *const names[] = {
            "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP",
    };
    if (operstate < std::size(names))
        return names[operstate];
    return std::to_string(operstate);
}

DumpResult<std::vector<Link>> dump_links(Socket &sock, const std::string &kind) {
    return retry_dump<std::vector<Link>>([&](std::vector<Link> &links) {
        NlMsg msg = build_getlink_dump(kind);
        return sock.request(msg, [&](nl_msg *reply) {
            Link link = parse_link(nlmsg_hdr(reply));
            // Old kernels ignore the kind filter: filter here too.
            if (kind.empty() || link.kind == kind)
                links.push_back(std::move(link));
        });
    });
}

std::optional<Link> get_link(Socket &sock, int ifindex, std::optional<int32_t> target_netnsid) {
    std::optional<Link> link;
    NlMsg msg = build_getlink(ifindex, target_netnsid);
    try {
        sock.request(msg, [&](nl_msg *reply) { link = parse_link(nlmsg_hdr(reply)); });
    } catch (const Error &e) {
        if (e.error() == ENODEV)
            return std::nullopt;
        throw;
    }
    return link;
}

void del_link(Socket &sock, int ifindex) {
    NlMsg msg = build_dellink(ifindex);
    sock.request(msg);
}

} // namespace kpath::rtnl
