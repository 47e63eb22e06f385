// SPDX-License-Identifier: GPL-2.0
// Client for the kp_loop module: rtnetlink kind "kploop" and the "kp_loop"
// generic netlink family (see kmod/include/uapi/linux/kp_loop.h).
//
// Message building and parsing are pure functions (testable without a
// kernel); the classes/functions taking a Socket send them.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <linux/kp_loop.h>

#include "kpath/genl.hpp"
#include "kpath/netlink.hpp"
#include "kpath/rtnl.hpp"

namespace kpath::loop {

enum class Mode : uint32_t {
    Loop = KP_LOOP_MODE_LOOP,
    Pair = KP_LOOP_MODE_PAIR,
};

// "loop", "pair", or the number for modes this tool does not know.
std::string mode_name(Mode mode);

// KP_LOOP_A_STATS_* counters. parse_dev() leaves a counter the kernel did
// not send (an older module) nullopt, and output omits it rather than show a
// 0; a default-constructed Stats has every counter present and 0.
struct Stats {
    std::optional<uint64_t> tx_packets = 0;
    std::optional<uint64_t> tx_bytes = 0;
    std::optional<uint64_t> rx_packets = 0;
    std::optional<uint64_t> rx_bytes = 0;
    std::optional<uint64_t> rx_backlog_drops = 0;
    std::optional<uint64_t> rx_other_drops = 0;
    std::optional<uint64_t> tx_carrier_drops = 0;
    std::optional<uint64_t> fault_drops = 0;
    std::optional<uint64_t> fault_corrupts = 0;
    std::optional<uint64_t> fault_dups = 0;
    std::optional<uint64_t> tx_runt_drops = 0; // shorter than an Ethernet header

    bool operator==(const Stats &) const = default;
};

// The attribute, its name in output (JSON key), and the Stats member.
struct StatField {
    int attr;
    std::string_view name;
    std::optional<uint64_t> Stats::*member;
};
extern const std::array<StatField, 11> stat_fields;

// A kp_loop device as the generic netlink family reports it (DEV_GET replies
// and notifications). Attributes the kernel did not send stay nullopt.
struct LoopDev {
    uint32_t ifindex = 0;
    std::string ifname;
    std::optional<Mode> mode;
    std::optional<uint32_t> peer_ifindex;
    std::optional<int32_t> peer_netnsid; // only when the peer is in another netns
    std::optional<bool> carrier;         // administrative carrier
    std::optional<uint32_t> drop_ppm;
    std::optional<uint32_t> corrupt_ppm;
    std::optional<uint32_t> dup_ppm;
    std::optional<uint32_t> mtu;
    std::optional<Stats> stats;
    std::optional<uint64_t> seed;     // 0: unseeded
    std::optional<uint32_t> ge_p_ppm; // Gilbert-Elliott; 0: off
    std::optional<uint32_t> ge_r_ppm;
    std::optional<uint32_t> ge_bad_drop_ppm;
    std::optional<uint32_t> ge_good_drop_ppm;
};

// A kp_loop link as rtnetlink reports it (RTM_GETLINK).
struct LoopLink {
    LoopDev dev;                            // mode/peer/admin carrier/fault config; no stats
    std::string operstate;                  // "UP", "DOWN", "LOWERLAYERDOWN", ...
    bool carrier = false;                   // operational carrier (IFLA_CARRIER)
    std::optional<std::string> peer_ifname; // when it could be resolved
};

// Parameters of `link add`. The netns fds must stay open until the request
// is sent. As with veth, a device without a netns fd is created in the
// namespace of the rtnetlink socket, and so is a peer without one (not in
// the device's namespace).
struct AddRequest {
    std::string ifname;
    int netns_fd = -1;                // the device's: IFLA_NET_NS_FD at the top level
    std::optional<uint32_t> mtu;      // the device's
    std::optional<std::string> peer;  // pair mode when set
    int peer_netns_fd = -1;           // the peer's: IFLA_NET_NS_FD in IFLA_KPLOOP_PEER
    std::optional<uint32_t> peer_mtu; // the peer's; when unset, mtu (both ends alike)
};

// DEV_SET: select by ifindex (when non-zero) or else by ifname.
struct SetRequest {
    uint32_t ifindex = 0;
    std::string ifname;
    std::optional<uint32_t> drop_ppm;
    std::optional<uint32_t> corrupt_ppm;
    std::optional<uint32_t> dup_ppm;
    std::optional<bool> carrier;
    std::optional<uint64_t> seed;
    std::optional<uint32_t> ge_p_ppm;
    std::optional<uint32_t> ge_r_ppm;
    std::optional<uint32_t> ge_bad_drop_ppm;
    std::optional<uint32_t> ge_good_drop_ppm;
};

enum class EventType { Add, Del, Change };
std::string_view event_name(EventType type); // "add", "del", "change"

struct Event {
    EventType type;
    LoopDev dev;
};

// --- rtnetlink messages --------------------------------------------------------
NlMsg build_add(const AddRequest &req); // RTM_NEWLINK, kind "kploop"
NlMsg build_del(uint32_t ifindex);      // RTM_DELLINK
// nullopt when the link is not of kind "kploop".
std::optional<LoopLink> parse_link(const rtnl::Link &link);

// --- generic netlink messages --------------------------------------------------
NlMsg build_dev_get(int family_id, uint32_t ifindex);
NlMsg build_dev_get(int family_id, const std::string &ifname);
NlMsg build_dev_dump(int family_id);
NlMsg build_dev_set(int family_id, const SetRequest &req);
// Parse a DEV_GET reply or a notification's attributes.
LoopDev parse_dev(nlmsghdr *nlh);
// nullopt for commands that are not notifications.
std::optional<Event> parse_event(nlmsghdr *nlh);

// --- operations ----------------------------------------------------------------

// Over rtnetlink (a NETLINK_ROUTE socket).
void add(Socket &rtnl, const AddRequest &req);
void del(Socket &rtnl, uint32_t ifindex);
// All kp_loop links, ordered by ifindex, with peer names resolved where
// possible (also in another netns, through IFLA_TARGET_NETNSID). The link
// dump is retried while interrupted (rtnl::dump_links()); `warnings` are the
// dump's (extack, and dump_interrupted_warning if it stayed interrupted).
DumpResult<std::vector<LoopLink>> show(Socket &rtnl);
// One link; nullopt if ifindex does not exist; throws Error(EOPNOTSUPP,
// "... is not a kploop device") for another kind.
std::optional<LoopLink> show(Socket &rtnl, uint32_t ifindex);

// Over the generic netlink family.
class Client {
public:
    Client(); // opens a socket and resolves KP_LOOP_FAMILY_NAME

    LoopDev get(uint32_t ifindex);
    LoopDev get(const std::string &ifname);
    // All devices, ordered by ifindex. A dump interrupted by devices coming
    // or going (NLM_F_DUMP_INTR) is run again, see retry_dump().
    DumpResult<std::vector<LoopDev>> dump();
    void set(const SetRequest &req);

    genl::Family &family() noexcept { return family_; }

private:
    genl::Family family_;
};

// Subscribes to the "events" multicast group.
class Monitor {
public:
    Monitor();

    // The socket to poll for readability.
    int fd() const noexcept;
    // Dispatch queued notifications (non-blocking; nothing queued is not an
    // error). Throws EventsLost when the socket overflowed and events were
    // dropped (the monitor can go on), Error for anything else.
    void process(const std::function<void(const Event &)> &on_event);

private:
    genl::Family family_;
};

} // namespace kpath::loop
