// SPDX-License-Identifier: GPL-2.0
// kpctl loop: add/del/show over rtnetlink, set/stats over generic netlink.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "loop.hpp"

#include <linux/netlink.h>

#include <array>
#include <sstream>

#include "kpath/error.hpp"
#include "kpath/netns.hpp"
#include "kpath/print.hpp"

namespace kpctl {

namespace loop = kpath::loop;
using kpath::print::Printer;
using kpath::print::Where;

const char *const loop_usage =
        "Usage: kpctl loop add [ dev ] NAME [ netns NS ] [ mtu MTU ]\n"
        "                      [ peer [ dev ] PEER [ netns NS ] [ mtu MTU ] ]\n"
        "       kpctl loop del [ dev ] NAME\n"
        "       kpctl loop show [ [ dev ] NAME ]\n"
        "       kpctl loop set [ dev ] NAME [ drop RATE ] [ corrupt RATE ] [ dup RATE ]\n"
        "                                  [ carrier { on | off } ]\n"
        "       kpctl loop stats [ [ dev ] NAME ]\n"
        "       kpctl loop help\n"
        "where  RATE := { PPM | PPMppm | PERCENT% }  0..1000000 parts per million,\n"
        "               or a percentage with up to 4 decimals (1% = 10000ppm)\n"
        "       MTU := 68..65536\n"
        "Without \"peer\" the device receives its own frames (loop mode); with it a\n"
        "pair NAME/PEER is created (pair mode). As with \"ip link add\", \"netns\" and\n"
        "\"mtu\" before \"peer\" are the device's, after it the peer's.\n";

namespace {

const char *const add_usage =
        "Usage: kpctl loop add [ dev ] NAME [ netns NS ] [ mtu MTU ]\n"
        "                      [ peer [ dev ] PEER [ netns NS ] [ mtu MTU ] ]\n"
        "Create a kploop device: in loop mode without \"peer\", else a pair NAME/PEER.\n"
        "As with \"ip link add\", \"netns\" and \"mtu\" before \"peer\" are NAME's,\n"
        "after it PEER's. Each end is created in its NS (/run/netns/NS, or a path)\n"
        "if given, else in the current namespace (the one of -n); PEER gets NAME's\n"
        "MTU (68..65536) unless it has its own. \"name\" is accepted for \"dev\".\n";
const char *const del_usage = "Usage: kpctl loop del [ dev ] NAME\n"
                              "Delete a kploop device (in pair mode, both ends).\n";
const char *const show_usage =
        "Usage: kpctl loop show [ [ dev ] NAME ]\n"
        "Show kploop devices: mode, peer, MTU, state, carrier and fault configuration.\n"
        "Each line ends with the settings in \"kpctl loop set\" syntax.\n";
const char *const set_usage =
        "Usage: kpctl loop set [ dev ] NAME [ drop RATE ] [ corrupt RATE ] [ dup RATE ]\n"
        "                                  [ carrier { on | off } ]\n"
        "where  RATE := { PPM | PPMppm | PERCENT% }  0..1000000 parts per million,\n"
        "               or a percentage with up to 4 decimals (1% = 10000ppm)\n"
        "\"admin-carrier\" is accepted for \"carrier\" (as \"kpctl loop show\" prints it).\n";
const char *const stats_usage = "Usage: kpctl loop stats [ [ dev ] NAME ]\n"
                                "Show the counters of one or all kploop devices.\n";

// NAME argument of a command, "dev NAME" too (and "name NAME" when
// name_keyword, as `ip link add name NAME`); nullopt when help was asked for.
std::optional<std::string> take_name(Args &args, std::string_view ctx, bool name_keyword = false) {
    if (args.empty())
        throw UsageError(std::string(ctx) + ": missing device NAME");
    std::string name = args.take();
    if (is_help(name))
        return std::nullopt;
    if (name == "dev" || (name_keyword && name == "name"))
        name = args.take_value(ctx, name);
    return parse_ifname(name);
}

LoopCmd parse_add(Args &args) {
    constexpr std::string_view ctx = "loop add";
    auto name = take_name(args, ctx, true);
    if (!name)
        return Help{add_usage};
    LoopAdd cmd;
    cmd.name = *name;
    bool peer_part = false; // after "peer": the keywords are the peer's
    while (!args.empty()) {
        const std::string kw = args.take();
        if (is_help(kw))
            return Help{add_usage};
        if (kw == "peer") {
            if (peer_part)
                throw UsageError("loop add: duplicate \"peer\"");
            peer_part = true;
            std::string peer = args.take_value(ctx, kw);
            if (peer == "dev" || peer == "name")
                peer = args.take_value(ctx, peer);
            cmd.peer = parse_ifname(peer);
        } else if (kw == "netns") {
            std::string ns = args.take_value(ctx, kw);
            if (ns.empty())
                throw UsageError("loop add: empty network namespace name");
            set_once(peer_part ? cmd.peer_netns : cmd.netns, ns, ctx, kw);
        } else if (kw == "mtu") {
            set_once(peer_part ? cmd.peer_mtu : cmd.mtu, parse_mtu(args.take_value(ctx, kw)), ctx,
                     kw);
        } else {
            unknown_arg(ctx, kw);
        }
    }
    if (cmd.peer && *cmd.peer == cmd.name && cmd.peer_netns == cmd.netns)
        throw UsageError("loop add: peer \"" + *cmd.peer + "\" has the same name as the device");
    return cmd;
}

LoopCmd parse_del(Args &args) {
    constexpr std::string_view ctx = "loop del";
    auto name = take_name(args, ctx);
    if (!name)
        return Help{del_usage};
    if (!args.empty()) {
        if (is_help(args.peek()))
            return Help{del_usage};
        unknown_arg(ctx, args.peek());
    }
    return LoopDel{*name};
}

// show/stats: optional NAME ("dev NAME" accepted too, as ip link show).
std::variant<Help, std::optional<std::string>> parse_optional_name(Args &args, std::string_view ctx,
                                                                   const char *usage) {
    std::optional<std::string> name;
    while (!args.empty()) {
        std::string w = args.take();
        if (is_help(w))
            return Help{usage};
        if (w == "dev")
            w = args.take_value(ctx, "dev");
        if (name)
            unknown_arg(ctx, w);
        name = parse_ifname(w);
    }
    return name;
}

LoopCmd parse_set(Args &args) {
    constexpr std::string_view ctx = "loop set";
    auto name = take_name(args, ctx);
    if (!name)
        return Help{set_usage};
    LoopSet cmd;
    cmd.name = *name;
    while (!args.empty()) {
        const std::string kw = args.take();
        if (is_help(kw))
            return Help{set_usage};
        if (kw == "drop")
            set_once(cmd.drop_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "corrupt")
            set_once(cmd.corrupt_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "dup")
            set_once(cmd.dup_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "carrier" || kw == "admin-carrier")
            set_once(cmd.carrier, parse_carrier(args.take_value(ctx, kw)), ctx, "carrier");
        else if (kw == "seed")
            set_once(cmd.seed, parse_seed(args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "ge-p")
            set_once(cmd.ge_p_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "ge-r")
            set_once(cmd.ge_r_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "ge-bad-drop")
            set_once(cmd.ge_bad_drop_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "ge-good-drop")
            set_once(cmd.ge_good_drop_ppm, parse_rate(kw, args.take_value(ctx, kw)), ctx, kw);
        else
            unknown_arg(ctx, kw);
    }
    if (!cmd.drop_ppm && !cmd.corrupt_ppm && !cmd.dup_ppm && !cmd.carrier && !cmd.seed &&
        !cmd.ge_p_ppm && !cmd.ge_r_ppm && !cmd.ge_bad_drop_ppm && !cmd.ge_good_drop_ppm)
        throw UsageError("loop set: nothing to change; expected drop, corrupt, dup, carrier, "
                         "seed or ge-*");
    return cmd;
}

std::string peer_label(const loop::LoopDev &dev, const std::optional<std::string> &peer_name) {
    if (peer_name && !peer_name->empty())
        return *peer_name;
    if (dev.peer_ifindex)
        return "if" + std::to_string(*dev.peer_ifindex);
    return {};
}

std::string header(const loop::LoopDev &dev, const std::string &peer) {
    std::string s = std::to_string(dev.ifindex) + ": " + dev.ifname;
    if (!peer.empty())
        s += "@" + peer;
    return s + ":";
}

// A JSON array of objects (and a newline), or one text block per item.
template <typename T, typename F>
void print_all(std::ostream &out, const Globals &g, const std::vector<T> &items, F &&print_one) {
    Printer p(out, g.json ? kpath::print::Mode::Json : kpath::print::Mode::Text, g.pretty);
    p.open_array();
    for (const auto &item : items)
        print_one(p, item);
    p.close_array();
    if (g.json)
        out << '\n';
}

int do_add(const LoopAdd &cmd, std::ostream &err) {
    kpath::Fd nsfd, peer_nsfd; // open until the request is sent
    if (cmd.netns)
        nsfd = kpath::open_netns(*cmd.netns);
    if (cmd.peer_netns)
        peer_nsfd = kpath::open_netns(*cmd.peer_netns);
    kpath::Socket rtnl(NETLINK_ROUTE);
    loop::add(rtnl, add_request(cmd, nsfd.get(), peer_nsfd.get()));
    print_warnings(rtnl, err);
    return 0;
}

int do_del(const LoopDel &cmd, std::ostream &err) {
    const uint32_t ifindex = resolve_ifindex(cmd.name);
    kpath::Socket rtnl(NETLINK_ROUTE);
    // Refuse to delete other kinds of links by mistake.
    if (!loop::show(rtnl, ifindex))
        throw NoDeviceError(cmd.name);
    loop::del(rtnl, ifindex);
    print_warnings(rtnl, err);
    return 0;
}

int do_show(const LoopShow &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    std::optional<uint32_t> ifindex;
    if (cmd.name)
        ifindex = resolve_ifindex(*cmd.name);
    kpath::Socket rtnl(NETLINK_ROUTE);
    std::vector<loop::LoopLink> links;
    std::vector<std::string> warnings;
    if (ifindex) {
        auto l = loop::show(rtnl, *ifindex);
        if (!l)
            throw NoDeviceError(*cmd.name);
        links.push_back(std::move(*l));
    } else {
        // Interrupted dumps were retried; one that stayed so is shown as it
        // is, with a warning (not an error: exit status 0).
        auto dumped = loop::show(rtnl);
        links = std::move(dumped.items);
        warnings = std::move(dumped.warnings);
    }

    print_all(out, g, links, [](Printer &p, const loop::LoopLink &l) { print_link(p, l); });
    out.flush();
    print_warnings(warnings, err);
    return 0;
}

int do_set(const LoopSet &cmd, std::ostream &err) {
    loop::SetRequest req = cmd;
    req.ifindex = resolve_ifindex(cmd.name);
    req.ifname = cmd.name;
    loop::Client client;
    client.set(req);
    print_warnings(client.family().socket(), err);
    return 0;
}

int do_stats(const LoopStats &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    std::optional<uint32_t> ifindex;
    if (cmd.name)
        ifindex = resolve_ifindex(*cmd.name);
    loop::Client client;
    std::vector<loop::LoopDev> devs;
    std::vector<std::string> warnings;
    if (ifindex) {
        devs.push_back(client.get(*ifindex));
    } else {
        auto dumped = client.dump(); // retried while interrupted, as in do_show()
        devs = std::move(dumped.items);
        warnings = std::move(dumped.warnings);
    }

    print_all(out, g, devs, [](Printer &p, const loop::LoopDev &d) { print_stats(p, d); });
    out.flush();
    print_warnings(warnings, err);
    return 0;
}

} // namespace

loop::AddRequest add_request(const LoopAdd &cmd, int netns_fd, int peer_netns_fd) {
    loop::AddRequest req;
    req.ifname = cmd.name;
    req.netns_fd = netns_fd;
    req.mtu = cmd.mtu;
    req.peer = cmd.peer;
    req.peer_netns_fd = peer_netns_fd;
    req.peer_mtu = cmd.peer_mtu;
    return req;
}

// --- output ------------------------------------------------------------------

std::string format_rate(uint32_t ppm) {
    if (ppm == 0)
        return "0";
    if (ppm % 100)
        return std::to_string(ppm) + "ppm";
    // Whole hundredths of a percent: "1%", "0.5%", "12.34%".
    std::string s = std::to_string(ppm / 10000);
    const uint32_t frac = ppm % 10000 / 100;
    if (frac) {
        s += '.';
        s += static_cast<char>('0' + frac / 10);
        if (frac % 10)
            s += static_cast<char>('0' + frac % 10);
    }
    return s + "%";
}

namespace {

// " drop R corrupt R dup R" as `loop set` takes it, the rates the kernel
// reported only; in JSON the parts per million.
void print_rates(Printer &p, const loop::LoopDev &dev) {
    auto rate = [&p](std::string_view key, std::string_view fmt,
                     const std::optional<uint32_t> &ppm) {
        if (ppm)
            p.field(Where::Any, key, fmt, *ppm, format_rate(*ppm));
    };
    rate("drop_ppm", " drop {}", dev.drop_ppm);
    rate("corrupt_ppm", " corrupt {}", dev.corrupt_ppm);
    rate("dup_ppm", " dup {}", dev.dup_ppm);
}

// The text a printer writes.
template <typename F>
std::string text_of(F &&print) {
    std::ostringstream os;
    Printer p(os, kpath::print::Mode::Text);
    print(p);
    return os.str();
}

} // namespace

void print_dev_config(Printer &p, const loop::LoopDev &dev, const std::string &peer_name) {
    p.text(header(dev, peer_label(dev, peer_name)));
    if (dev.mode)
        p.field(Where::Any, "mode", " mode {}", loop::mode_name(*dev.mode));
    p.field(Where::Json, "peer_ifindex", "", dev.peer_ifindex);
    p.field(Where::Any, "link_netnsid", " link-netnsid {}", dev.peer_netnsid);
    p.field(Where::Any, "mtu", " mtu {}", dev.mtu);
    p.field(Where::Any, "admin_carrier", " admin-carrier {}", dev.carrier);
    print_rates(p, dev);
    // Seed and burst model only when set: most devices have neither.
    if (dev.seed.value_or(0))
        p.field(Where::Json, "seed", "", dev.seed);
    if (dev.ge_p_ppm.value_or(0)) {
        p.field(Where::Json, "ge_p_ppm", "", dev.ge_p_ppm);
        p.field(Where::Json, "ge_r_ppm", "", dev.ge_r_ppm);
        p.field(Where::Json, "ge_bad_drop_ppm", "", dev.ge_bad_drop_ppm);
        p.field(Where::Json, "ge_good_drop_ppm", "", dev.ge_good_drop_ppm);
    }
}

void write_dev_config_json(kpath::JsonWriter &j, const loop::LoopDev &dev) {
    Printer p(j);
    print_dev_config(p, dev, {});
}

std::string format_dev_config(const loop::LoopDev &dev, const std::string &peer_name) {
    return text_of([&](Printer &p) { print_dev_config(p, dev, peer_name); });
}

void print_link(Printer &p, const loop::LoopLink &link) {
    const loop::LoopDev &d = link.dev;
    p.open_object();
    p.field(Where::Json, "ifname", "", d.ifname);
    p.field(Where::Json, "ifindex", "", d.ifindex);
    p.text(header(d, peer_label(d, link.peer_ifname)));
    if (d.mode)
        p.field(Where::Any, "mode", " mode {}", loop::mode_name(*d.mode));
    p.field(Where::Json, "peer_ifindex", "", d.peer_ifindex);
    if (d.peer_ifindex)
        p.field(Where::Json, "peer_ifname", "", link.peer_ifname);
    p.field(Where::Any, "link_netnsid", " link-netnsid {}", d.peer_netnsid);
    p.field(Where::Any, "mtu", " mtu {}", d.mtu);
    p.field(Where::Any, "operstate", " state {}", link.operstate);
    p.field(Where::Any, "carrier", " carrier {}", link.carrier);
    p.field(Where::Any, "admin_carrier", " admin-carrier {}", d.carrier);
    print_rates(p, d);
    p.close_object();
    p.newline();
}

void write_link_json(kpath::JsonWriter &j, const loop::LoopLink &link) {
    Printer p(j);
    print_link(p, link);
}

std::string format_link(const loop::LoopLink &link) {
    std::string s = text_of([&](Printer &p) { print_link(p, link); });
    s.pop_back(); // the newline
    return s;
}

void print_stats(Printer &p, const loop::LoopDev &dev) {
    p.open_object();
    p.field(Where::Json, "ifname", "", dev.ifname);
    p.field(Where::Json, "ifindex", "", dev.ifindex);
    p.text(std::to_string(dev.ifindex) + ": " + dev.ifname + "\n");
    // Only the counters the kernel sent (none without a statistics nest).
    p.open_rows("stats");
    if (dev.stats) {
        for (const auto &f : loop::stat_fields)
            p.field(Where::Any, f.name, "{}", (*dev.stats).*f.member);
    }
    p.close_rows(4);
    p.close_object();
}

void write_stats_json(kpath::JsonWriter &j, const loop::LoopDev &dev) {
    Printer p(j);
    print_stats(p, dev);
}

void format_stats(std::ostream &out, const loop::LoopDev &dev) {
    Printer p(out, kpath::print::Mode::Text);
    print_stats(p, dev);
}

// --- entry points --------------------------------------------------------------

namespace {

LoopCmd parse_show(Args &args) {
    auto r = parse_optional_name(args, "loop show", show_usage);
    if (auto *h = std::get_if<Help>(&r))
        return *h;
    return LoopShow{std::get<std::optional<std::string>>(r)};
}

LoopCmd parse_stats(Args &args) {
    auto r = parse_optional_name(args, "loop stats", stats_usage);
    if (auto *h = std::get_if<Help>(&r))
        return *h;
    return LoopStats{std::get<std::optional<std::string>>(r)};
}

// The verbs of "kpctl loop", with their aliases.
struct Verb {
    std::array<std::string_view, 3> names;
    LoopCmd (*parse)(Args &args);
};

const Verb verbs[] = {
        {{"add"}, parse_add}, {{"del", "delete"}, parse_del}, {{"show", "list", "ls"}, parse_show},
        {{"set"}, parse_set}, {{"stats"}, parse_stats},
};

} // namespace

LoopCmd parse_loop(Args &args) {
    if (args.empty())
        return LoopShow{}; // like "ip link"
    const std::string cmd = args.take();
    if (is_help(cmd))
        return Help{loop_usage};
    for (const auto &verb : verbs) {
        for (std::string_view name : verb.names) {
            if (!name.empty() && name == cmd)
                return verb.parse(args);
        }
    }
    throw UsageError("unknown loop command \"" + cmd + "\"; try \"kpctl loop help\"");
}

int run_loop(const LoopCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    return std::visit(
            [&](const auto &c) -> int {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, Help>) {
                    out << c.text;
                    return 0;
                } else if constexpr (std::is_same_v<T, LoopAdd>) {
                    return do_add(c, err);
                } else if constexpr (std::is_same_v<T, LoopDel>) {
                    return do_del(c, err);
                } else if constexpr (std::is_same_v<T, LoopShow>) {
                    return do_show(c, g, out, err);
                } else if constexpr (std::is_same_v<T, LoopSet>) {
                    return do_set(c, err);
                } else {
                    static_assert(std::is_same_v<T, LoopStats>);
                    return do_stats(c, g, out, err);
                }
            },
            cmd);
}

} // namespace kpctl
