// SPDX-License-Identifier: GPL-2.0
// kpctl dgram: the object's verbs; stats, sockets and set over the "kp_dgram"
// generic netlink family (send, recv and ping are in dgram_traffic.cpp).
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "dgram.hpp"

#include <algorithm>
#include <array>

#include <sys/socket.h>

#include "kpath/parse.hpp"

namespace kpctl {

namespace dgram = kpath::dgram;
using kpath::print::Printer;
using kpath::print::Where;

const char *const dgram_usage =
        "Usage: kpctl dgram stats\n"
        "       kpctl dgram sockets\n"
        "       kpctl dgram set port-unreach { on | off }\n"
        "       kpctl dgram send ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]\n"
        "                                  [ proto P ]\n"
        "       kpctl dgram recv [ ADDR ] PORT [ count N ] [ timeout SEC ] [ echo ]\n"
        "                                      [ proto P ]\n"
        "       kpctl dgram ping ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]\n"
        "                                  [ timeout SEC ] [ proto P ]\n"
        "       kpctl dgram help\n"
        "where  ADDR := an IPv4 or IPv6 address (\"fe80::1%eth0\" for a link-local one)\n"
        "       PORT := 1..65535\n"
        "       BYTES := 0..65507 over IPv4, 0..65527 over IPv6 (ping: 16 at least)\n"
        "       P := the IP protocol number, 0..255; default: the loaded kp_dgram's\n"
        "            (253 or 254); 17 is UDP\n"
        "The counters, the sockets and the configuration are those of the current\n"
        "network namespace (the one of -n); send, recv and ping open their sockets\n"
        "there too.\n";

namespace {

const char *const stats_usage =
        "Usage: kpctl dgram stats\n"
        "Show the protocol number, the port-unreach setting and the IPv4 and IPv6\n"
        "counters of kp_dgram (UDP's SNMP names) in the current network namespace.\n";
const char *const sockets_usage =
        "Usage: kpctl dgram sockets\n"
        "List the kp_dgram sockets of the current network namespace, as \"ss -u -a -n\"\n"
        "lists UDP's: state (UNCONN, or ESTAB when connected), queued bytes, local and\n"
        "peer address (\"%DEV\" when bound to a device), owner, inode and drops.\n"
        "\"show\", \"list\" and \"ls\" are accepted for \"sockets\".\n";
const char *const set_usage =
        "Usage: kpctl dgram set port-unreach { on | off }\n"
        "Whether a datagram for a port without a socket gets an ICMP (ICMPv6) port\n"
        "unreachable back (on, the default) or is dropped silently, in the current\n"
        "network namespace. Needs CAP_NET_ADMIN over the namespace.\n";

// A command without arguments (but help).
template <typename Cmd>
DgramCmd parse_no_args(Args &args, std::string_view ctx, const char *usage) {
    if (!args.empty()) {
        if (is_help(args.peek()))
            return Help{usage};
        unknown_arg(ctx, args.peek());
    }
    return Cmd{};
}

DgramCmd parse_stats(Args &args) {
    return parse_no_args<DgramStats>(args, "dgram stats", stats_usage);
}

DgramCmd parse_sockets(Args &args) {
    return parse_no_args<DgramSockets>(args, "dgram sockets", sockets_usage);
}

DgramCmd parse_set(Args &args) {
    constexpr std::string_view ctx = "dgram set";
    std::optional<bool> port_unreach;
    while (!args.empty()) {
        const std::string kw = args.take();
        if (is_help(kw))
            return Help{set_usage};
        if (kw == "port-unreach") {
            const std::string v = args.take_value(ctx, kw);
            auto b = kpath::parse::on_off(v);
            if (!b)
                throw UsageError("invalid port-unreach \"" + v + "\": expected \"on\" or \"off\"");
            set_once(port_unreach, *b, ctx, kw);
        } else {
            unknown_arg(ctx, kw);
        }
    }
    if (!port_unreach)
        throw UsageError("dgram set: nothing to change; expected port-unreach");
    return DgramSet{*port_unreach};
}

} // namespace

// --- output --------------------------------------------------------------------

void print_ns_stats(Printer &p, const dgram::NsStats &ns) {
    p.open_object();
    p.field(Where::Any, "proto", "proto {}", ns.proto);
    if (ns.proto && ns.port_unreach)
        p.text(" ");
    p.field(Where::Any, "port_unreach", "port-unreach {}", ns.port_unreach);
    if (ns.proto || ns.port_unreach)
        p.newline();
    auto family = [&p](std::string_view key, std::string_view title,
                       const std::optional<dgram::Stats> &st) {
        if (!st)
            return;
        p.text(title);
        p.open_rows(key);
        // JSON keys in JSON, SNMP names in text (as nstat shows UDP's).
        for (const auto &f : dgram::stat_fields) {
            p.field(Where::Json, f.name, "", (*st).*f.member);
            p.field(Where::Text, f.snmp, "{}", (*st).*f.member);
        }
        p.close_rows(4);
    };
    family("ipv4", "IPv4:\n", ns.ipv4);
    family("ipv6", "IPv6:\n", ns.ipv6);
    p.close_object();
}

std::string format_endpoint(const dgram::Address &addr, uint16_t port, const std::string &dev) {
    std::string s = addr.family == AF_INET6 ? "[" + addr.str() + "]" : addr.str();
    if (!dev.empty())
        s += "%" + dev;
    return s + ":" + (port ? std::to_string(port) : std::string("*"));
}

namespace {

// The text columns of a socket line (ss's), before the "uid:N ino:N drops:N" tail.
constexpr size_t socket_columns = 6;
using SocketCells = std::array<std::string, socket_columns>;
const SocketCells socket_header = {
        "Family", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"};

SocketCells socket_cells(const dgram::Socket &s, const DevNames &dev_names) {
    std::string dev;
    if (s.bound_ifindex) {
        auto it = dev_names.find(*s.bound_ifindex);
        dev = it != dev_names.end() ? it->second : "if" + std::to_string(*s.bound_ifindex);
    }
    const std::string peer = s.remote_addr
                                     ? format_endpoint(*s.remote_addr, s.remote_port.value_or(0))
                                     : format_endpoint(dgram::Address{s.family}, 0);
    return {dgram::family_name(s.family),
            s.connected() ? "ESTAB" : "UNCONN",
            std::to_string(s.rx_queue),
            std::to_string(s.tx_queue),
            format_endpoint(s.local_addr, s.local_port, dev),
            peer};
}

// A cell padded to its column and the gap after it.
std::string cell(const std::string &s, size_t width) {
    std::string c = s;
    c.resize(std::max(width, s.size()), ' ');
    return c + "  ";
}

} // namespace

void print_sockets(Printer &p, const std::vector<dgram::Socket> &socks, const DevNames &dev_names) {
    std::vector<SocketCells> rows;
    std::array<size_t, socket_columns> width{};
    for (size_t c = 0; c < socket_columns; c++)
        width[c] = socket_header[c].size();
    for (const auto &s : socks) {
        rows.push_back(socket_cells(s, dev_names));
        for (size_t c = 0; c < socket_columns; c++)
            width[c] = std::max(width[c], rows.back()[c].size());
    }

    std::string header;
    for (size_t c = 0; c < socket_columns; c++)
        header += cell(socket_header[c], width[c]);
    while (!header.empty() && header.back() == ' ')
        header.pop_back();
    p.text(header + "\n");

    p.open_array();
    for (size_t i = 0; i < socks.size(); i++) {
        const dgram::Socket &s = socks[i];
        const SocketCells &r = rows[i];
        p.open_object();
        p.field(Where::Any, "family", "{}", r[0], cell(r[0], width[0]));
        p.field(Where::Text, "state", "{}", cell(r[1], width[1]));
        p.field(Where::Json, "local_addr", "", s.local_addr.str());
        p.field(Where::Json, "local_port", "", s.local_port);
        if (s.remote_addr) {
            p.field(Where::Json, "remote_addr", "", s.remote_addr->str());
            p.field(Where::Json, "remote_port", "", s.remote_port);
        }
        p.field(Where::Json, "bound_ifindex", "", s.bound_ifindex);
        if (s.bound_ifindex) {
            if (auto it = dev_names.find(*s.bound_ifindex); it != dev_names.end())
                p.field(Where::Json, "bound_dev", "", it->second);
        }
        p.field(Where::Any, "rx_queue", "{}", s.rx_queue, cell(r[2], width[2]));
        p.field(Where::Any, "tx_queue", "{}", s.tx_queue, cell(r[3], width[3]));
        p.field(Where::Text, "local", "{}", cell(r[4], width[4]));
        p.field(Where::Text, "peer", "{}", cell(r[5], width[5]));
        p.field(Where::Any, "drops", "drops:{}", s.drops);
        p.field(Where::Any, "uid", " uid:{}", s.uid);
        p.field(Where::Any, "inode", " ino:{}", s.inode);
        p.close_object();
        p.newline();
    }
    p.close_array();
}

// --- running -------------------------------------------------------------------

namespace {

int do_stats(const Globals &g, std::ostream &out, std::ostream &err) {
    dgram::Client client;
    const dgram::NsStats ns = client.stats_get();
    print_output(out, g, [&](Printer &p) { print_ns_stats(p, ns); });
    print_warnings(client.family().socket(), err);
    return 0;
}

int do_sockets(const Globals &g, std::ostream &out, std::ostream &err) {
    dgram::Client client;
    // Interrupted dumps were retried; one that stayed so is shown as it is,
    // with a warning.
    auto dumped = client.sockets();
    DevNames names;
    for (const auto &s : dumped.items) {
        char buf[IF_NAMESIZE] = {};
        if (s.bound_ifindex && if_indextoname(*s.bound_ifindex, buf))
            names[*s.bound_ifindex] = buf;
    }
    print_output(out, g, [&](Printer &p) { print_sockets(p, dumped.items, names); });
    print_warnings(dumped.warnings, err);
    return 0;
}

int do_set(const DgramSet &cmd, std::ostream &err) {
    dgram::Client client;
    client.config_set(cmd.port_unreach);
    print_warnings(client.family().socket(), err);
    return 0;
}

// The verbs of "kpctl dgram", with their aliases.
struct Verb {
    std::array<std::string_view, 4> names;
    DgramCmd (*parse)(Args &args);
};

const Verb verbs[] = {
        {{"stats", "statistics"}, parse_stats},
        {{"sockets", "show", "list", "ls"}, parse_sockets},
        {{"set"}, parse_set},
        {{"send"}, parse_dgram_send},
        {{"recv", "receive"}, parse_dgram_recv},
        {{"ping"}, parse_dgram_ping},
};

// One command, run.
struct Run {
    const Globals &g;
    std::ostream &out;
    std::ostream &err;

    int operator()(const Help &h) const {
        out << h.text;
        return 0;
    }
    int operator()(const DgramStats &) const { return do_stats(g, out, err); }
    int operator()(const DgramSockets &) const { return do_sockets(g, out, err); }
    int operator()(const DgramSet &c) const { return do_set(c, err); }
    int operator()(const DgramSend &c) const { return run_dgram_send(c, g, out); }
    int operator()(const DgramRecv &c) const { return run_dgram_recv(c, g, out); }
    int operator()(const DgramPing &c) const { return run_dgram_ping(c, g, out); }
};

} // namespace

DgramCmd parse_dgram(Args &args) {
    if (args.empty())
        return DgramSockets{}; // like "ss"
    const std::string cmd = args.take();
    if (is_help(cmd))
        return Help{dgram_usage};
    for (const auto &verb : verbs) {
        for (std::string_view name : verb.names) {
            if (!name.empty() && name == cmd)
                return verb.parse(args);
        }
    }
    throw UsageError("unknown dgram command \"" + cmd + "\"; try \"kpctl dgram help\"");
}

int run_dgram(const DgramCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    return std::visit(Run{g, out, err}, cmd);
}

} // namespace kpctl
