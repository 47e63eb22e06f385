// SPDX-License-Identifier: GPL-2.0
#include "kpath/loop.hpp"

#include <algorithm>
#include <cerrno>
#include <map>

#include <linux/genetlink.h>
#include <linux/if.h>

#include "kpath/attr.hpp"
#include "kpath/error.hpp"

namespace kpath::loop {

const std::array<StatField, 11> stat_fields = {{
        {KP_LOOP_A_STATS_TX_PACKETS, "tx_packets", &Stats::tx_packets},
        {KP_LOOP_A_STATS_TX_BYTES, "tx_bytes", &Stats::tx_bytes},
        {KP_LOOP_A_STATS_RX_PACKETS, "rx_packets", &Stats::rx_packets},
        {KP_LOOP_A_STATS_RX_BYTES, "rx_bytes", &Stats::rx_bytes},
        {KP_LOOP_A_STATS_RX_BACKLOG_DROPS, "rx_backlog_drops", &Stats::rx_backlog_drops},
        {KP_LOOP_A_STATS_RX_OTHER_DROPS, "rx_other_drops", &Stats::rx_other_drops},
        {KP_LOOP_A_STATS_TX_CARRIER_DROPS, "tx_carrier_drops", &Stats::tx_carrier_drops},
        {KP_LOOP_A_STATS_FAULT_DROPS, "fault_drops", &Stats::fault_drops},
        {KP_LOOP_A_STATS_FAULT_CORRUPTS, "fault_corrupts", &Stats::fault_corrupts},
        {KP_LOOP_A_STATS_FAULT_DUPS, "fault_dups", &Stats::fault_dups},
        {KP_LOOP_A_STATS_TX_RUNT_DROPS, "tx_runt_drops", &Stats::tx_runt_drops},
}};

std::string mode_name(Mode mode) {
    switch (mode) {
    case Mode::Loop:
        return "loop";
    case Mode::Pair:
        return "pair";
    }
    return std::to_string(static_cast<uint32_t>(mode));
}

std::string_view event_name(EventType type) {
    switch (type) {
    case EventType::Add:
        return "add";
    case EventType::Del:
        return "del";
    case EventType::Change:
        return "change";
    }
    return "unknown";
}

namespace {

const nla_policy *dev_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_LOOP_A_DEV_MAX + 1> a{};
        a[KP_LOOP_A_DEV_IFINDEX].type = NLA_U32;
        a[KP_LOOP_A_DEV_IFNAME] = {NLA_STRING, 0, IFNAMSIZ};
        a[KP_LOOP_A_DEV_MODE].type = NLA_U32;
        a[KP_LOOP_A_DEV_PEER_IFINDEX].type = NLA_U32;
        a[KP_LOOP_A_DEV_PEER_NETNSID] = {NLA_S32, sizeof(int32_t), 0};
        a[KP_LOOP_A_DEV_CARRIER].type = NLA_U8;
        a[KP_LOOP_A_DEV_DROP_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_CORRUPT_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_DUP_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_STATS].type = NLA_NESTED;
        a[KP_LOOP_A_DEV_MTU].type = NLA_U32;
        a[KP_LOOP_A_DEV_SEED].type = NLA_U64;
        a[KP_LOOP_A_DEV_GE_P_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_GE_R_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_GE_BAD_DROP_PPM].type = NLA_U32;
        a[KP_LOOP_A_DEV_GE_GOOD_DROP_PPM].type = NLA_U32;
        return a;
    }();
    return p.data();
}

const nla_policy *stats_policy() {
    static const auto p = [] {
        std::array<nla_policy, KP_LOOP_A_STATS_MAX + 1> a{};
        for (const auto &f : stat_fields)
            a[static_cast<size_t>(f.attr)].type = NLA_U64;
        return a;
    }();
    return p.data();
}

const nla_policy *info_data_policy() {
    static const auto p = [] {
        std::array<nla_policy, IFLA_KPLOOP_MAX + 1> a{};
        a[IFLA_KPLOOP_PEER].type = NLA_NESTED;
        a[IFLA_KPLOOP_MODE].type = NLA_U32;
        a[IFLA_KPLOOP_PEER_IFINDEX].type = NLA_U32;
        a[IFLA_KPLOOP_CARRIER].type = NLA_U8;
        a[IFLA_KPLOOP_DROP_PPM].type = NLA_U32;
        a[IFLA_KPLOOP_CORRUPT_PPM].type = NLA_U32;
        a[IFLA_KPLOOP_DUP_PPM].type = NLA_U32;
        return a;
    }();
    return p.data();
}

std::optional<bool> as_bool(std::optional<uint8_t> v) {
    if (!v)
        return std::nullopt;
    return *v != 0;
}

std::optional<Mode> as_mode(std::optional<uint32_t> v) {
    if (!v)
        return std::nullopt;
    return static_cast<Mode>(*v);
}

} // namespace

// --- rtnetlink -------------------------------------------------------------------

NlMsg build_add(const AddRequest &req) {
    const rtnl::LinkSpec spec{req.ifname, req.mtu, req.netns_fd};
    std::function<void(nl_msg *)> fill;
    if (req.peer) {
        fill = [&req](nl_msg *msg) {
            const auto mtu = req.peer_mtu ? req.peer_mtu : req.mtu;
            const rtnl::LinkSpec peer{*req.peer, mtu, req.peer_netns_fd};
            rtnl::put_peer(msg, IFLA_KPLOOP_PEER, peer);
        };
    }
    return rtnl::build_newlink(spec, KP_LOOP_LINK_KIND, fill);
}

NlMsg build_del(uint32_t ifindex) {
    return rtnl::build_dellink(static_cast<int>(ifindex));
}

std::optional<LoopLink> parse_link(const rtnl::Link &link) {
    if (link.kind != KP_LOOP_LINK_KIND)
        return std::nullopt;
    const attr::Table tb = link.info_data_table(IFLA_KPLOOP_MAX, info_data_policy());

    LoopLink l;
    LoopDev &d = l.dev;
    d.ifindex = link.ifindex;
    d.ifname = link.ifname;
    d.mtu = link.mtu;
    d.mode = as_mode(tb.u32(IFLA_KPLOOP_MODE));
    d.peer_ifindex = tb.u32(IFLA_KPLOOP_PEER_IFINDEX);
    // IFLA_LINK is the peer as veth reports it; fall back on it in pair mode.
    if (!d.peer_ifindex && d.mode == Mode::Pair && link.link && *link.link)
        d.peer_ifindex = link.link;
    if (d.peer_ifindex)
        d.peer_netnsid = link.link_netnsid;
    d.carrier = as_bool(tb.u8(IFLA_KPLOOP_CARRIER));
    d.drop_ppm = tb.u32(IFLA_KPLOOP_DROP_PPM);
    d.corrupt_ppm = tb.u32(IFLA_KPLOOP_CORRUPT_PPM);
    d.dup_ppm = tb.u32(IFLA_KPLOOP_DUP_PPM);
    l.operstate = rtnl::operstate_name(link.operstate);
    l.carrier = link.carrier.value_or(false);
    return l;
}

void add(Socket &rtnl, const AddRequest &req) {
    NlMsg msg = build_add(req);
    rtnl.request(msg);
}

void del(Socket &rtnl, uint32_t ifindex) {
    NlMsg msg = build_del(ifindex);
    rtnl.request(msg);
}

namespace {

// Peer names: from the links we already have when the peer is in our netns,
// else ask the kernel (in the peer's netns when it has a netnsid).
void resolve_peer_names(Socket &rtnl, std::vector<LoopLink> &links) {
    std::map<uint32_t, std::string> local;
    for (const auto &l : links)
        local[l.dev.ifindex] = l.dev.ifname;

    for (auto &l : links) {
        if (!l.dev.peer_ifindex)
            continue;
        const uint32_t peer = *l.dev.peer_ifindex;
        if (!l.dev.peer_netnsid) {
            if (auto it = local.find(peer); it != local.end()) {
                l.peer_ifname = it->second;
                continue;
            }
        }
        try {
            auto link = rtnl::get_link(rtnl, static_cast<int>(peer), l.dev.peer_netnsid);
            if (link)
                l.peer_ifname = link->ifname;
        } catch (const Error &) {
            // Not allowed to look into the peer's netns: show the ifindex.
        }
    }
}

} // namespace

DumpResult<std::vector<LoopLink>> show(Socket &rtnl) {
    auto dumped = rtnl::dump_links(rtnl, KP_LOOP_LINK_KIND);
    DumpResult<std::vector<LoopLink>> r;
    r.interrupted = dumped.interrupted;
    r.warnings = std::move(dumped.warnings);
    for (const auto &link : dumped.items) {
        if (auto l = parse_link(link))
            r.items.push_back(std::move(*l));
    }
    std::sort(r.items.begin(), r.items.end(),
              [](const LoopLink &a, const LoopLink &b) { return a.dev.ifindex < b.dev.ifindex; });
    resolve_peer_names(rtnl, r.items);
    return r;
}

std::optional<LoopLink> show(Socket &rtnl, uint32_t ifindex) {
    auto link = rtnl::get_link(rtnl, static_cast<int>(ifindex));
    if (!link)
        return std::nullopt;
    auto l = parse_link(*link);
    if (!l)
        throw Error(EOPNOTSUPP, {}, "device \"" + link->ifname + "\" is not a kploop device");
    std::vector<LoopLink> v{std::move(*l)};
    resolve_peer_names(rtnl, v);
    return std::move(v.front());
}

// --- generic netlink ------------------------------------------------------------

NlMsg build_dev_get(int family_id, uint32_t ifindex) {
    NlMsg msg = genl::build(family_id, KP_LOOP_CMD_DEV_GET, KP_LOOP_FAMILY_VERSION);
    attr::put_u32(msg.get(), KP_LOOP_A_DEV_IFINDEX, ifindex);
    return msg;
}

NlMsg build_dev_get(int family_id, const std::string &ifname) {
    NlMsg msg = genl::build(family_id, KP_LOOP_CMD_DEV_GET, KP_LOOP_FAMILY_VERSION);
    attr::put_string(msg.get(), KP_LOOP_A_DEV_IFNAME, ifname);
    return msg;
}

NlMsg build_dev_dump(int family_id) {
    return genl::build(family_id, KP_LOOP_CMD_DEV_GET, KP_LOOP_FAMILY_VERSION, NLM_F_DUMP);
}

NlMsg build_dev_set(int family_id, const SetRequest &req) {
    NlMsg msg = genl::build(family_id, KP_LOOP_CMD_DEV_SET, KP_LOOP_FAMILY_VERSION);
    nl_msg *m = msg.get();
    if (req.ifindex)
        attr::put_u32(m, KP_LOOP_A_DEV_IFINDEX, req.ifindex);
    else
        attr::put_string(m, KP_LOOP_A_DEV_IFNAME, req.ifname);
    if (req.drop_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_DROP_PPM, *req.drop_ppm);
    if (req.corrupt_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_CORRUPT_PPM, *req.corrupt_ppm);
    if (req.dup_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_DUP_PPM, *req.dup_ppm);
    if (req.carrier)
        attr::put_u8(m, KP_LOOP_A_DEV_CARRIER, *req.carrier ? 1 : 0);
    if (req.seed)
        attr::put_u64(m, KP_LOOP_A_DEV_SEED, *req.seed);
    if (req.ge_p_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_GE_P_PPM, *req.ge_p_ppm);
    if (req.ge_r_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_GE_R_PPM, *req.ge_r_ppm);
    if (req.ge_bad_drop_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_GE_BAD_DROP_PPM, *req.ge_bad_drop_ppm);
    if (req.ge_good_drop_ppm)
        attr::put_u32(m, KP_LOOP_A_DEV_GE_GOOD_DROP_PPM, *req.ge_good_drop_ppm);
    return msg;
}

LoopDev parse_dev(nlmsghdr *nlh) {
    const attr::Table tb = genl::parse(nlh, KP_LOOP_A_DEV_MAX, dev_policy());
    LoopDev d;
    d.ifindex = tb.u32(KP_LOOP_A_DEV_IFINDEX).value_or(0);
    d.ifname = tb.str(KP_LOOP_A_DEV_IFNAME).value_or("");
    d.mode = as_mode(tb.u32(KP_LOOP_A_DEV_MODE));
    d.peer_ifindex = tb.u32(KP_LOOP_A_DEV_PEER_IFINDEX);
    d.peer_netnsid = tb.s32(KP_LOOP_A_DEV_PEER_NETNSID);
    d.carrier = as_bool(tb.u8(KP_LOOP_A_DEV_CARRIER));
    d.drop_ppm = tb.u32(KP_LOOP_A_DEV_DROP_PPM);
    d.corrupt_ppm = tb.u32(KP_LOOP_A_DEV_CORRUPT_PPM);
    d.dup_ppm = tb.u32(KP_LOOP_A_DEV_DUP_PPM);
    d.mtu = tb.u32(KP_LOOP_A_DEV_MTU);
    d.seed = tb.u64(KP_LOOP_A_DEV_SEED);
    d.ge_p_ppm = tb.u32(KP_LOOP_A_DEV_GE_P_PPM);
    d.ge_r_ppm = tb.u32(KP_LOOP_A_DEV_GE_R_PPM);
    d.ge_bad_drop_ppm = tb.u32(KP_LOOP_A_DEV_GE_BAD_DROP_PPM);
    d.ge_good_drop_ppm = tb.u32(KP_LOOP_A_DEV_GE_GOOD_DROP_PPM);
    if (auto st = tb.nested(KP_LOOP_A_DEV_STATS, KP_LOOP_A_STATS_MAX, stats_policy())) {
        Stats s;
        for (const auto &f : stat_fields)
            s.*f.member = st->u64(f.attr); // nullopt when not sent
        d.stats = s;
    }
    return d;
}

std::optional<Event> parse_event(nlmsghdr *nlh) {
    EventType type;
    switch (genl::command(nlh)) {
    case KP_LOOP_CMD_DEV_ADD_NTF:
        type = EventType::Add;
        break;
    case KP_LOOP_CMD_DEV_DEL_NTF:
        type = EventType::Del;
        break;
    case KP_LOOP_CMD_DEV_CHANGE_NTF:
        type = EventType::Change;
        break;
    default:
        return std::nullopt;
    }
    return Event{type, parse_dev(nlh)};
}

Client::Client() : family_(KP_LOOP_FAMILY_NAME, KP_LOOP_FAMILY_VERSION) {}

LoopDev Client::get(uint32_t ifindex) {
    std::optional<LoopDev> dev;
    NlMsg msg = build_dev_get(family_.id(), ifindex);
    family_.socket().request(msg, [&](nl_msg *reply) { dev = parse_dev(nlmsg_hdr(reply)); });
    if (!dev)
        throw Error(ENODATA, {}, "no reply to " KP_LOOP_FAMILY_NAME " DEV_GET");
    return *dev;
}

LoopDev Client::get(const std::string &ifname) {
    std::optional<LoopDev> dev;
    NlMsg msg = build_dev_get(family_.id(), ifname);
    family_.socket().request(msg, [&](nl_msg *reply) { dev = parse_dev(nlmsg_hdr(reply)); });
    if (!dev)
        throw Error(ENODATA, {}, "no reply to " KP_LOOP_FAMILY_NAME " DEV_GET");
    return *dev;
}

DumpResult<std::vector<LoopDev>> Client::dump() {
    auto r = retry_dump<std::vector<LoopDev>>([&](std::vector<LoopDev> &devs) {
        NlMsg msg = build_dev_dump(family_.id());
        return family_.socket().request(
                msg, [&](nl_msg *reply) { devs.push_back(parse_dev(nlmsg_hdr(reply))); });
    });
    // The module dumps in ifindex order; sort anyway rather than depend on it.
    std::sort(r.items.begin(), r.items.end(),
              [](const LoopDev &a, const LoopDev &b) { return a.ifindex < b.ifindex; });
    return r;
}

void Client::set(const SetRequest &req) {
    NlMsg msg = build_dev_set(family_.id(), req);
    family_.socket().request(msg);
}

Monitor::Monitor() : family_(KP_LOOP_FAMILY_NAME, KP_LOOP_FAMILY_VERSION) {
    family_.join(KP_LOOP_MCGRP_EVENTS);
    family_.socket().set_rcvbuf(1 << 20);
    family_.socket().set_nonblocking();
}

int Monitor::fd() const noexcept {
    return family_.socket().fd();
}

void Monitor::process(const std::function<void(const Event &)> &on_event) {
    family_.socket().receive([&](nl_msg *msg) {
        nlmsghdr *nlh = nlmsg_hdr(msg);
        if (nlh->nlmsg_type != family_.id())
            return;
        if (auto ev = parse_event(nlh))
            on_event(*ev);
    });
}

} // namespace kpath::loop
