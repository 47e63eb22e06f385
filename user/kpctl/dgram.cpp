// SPDX-License-Identifier: GPL-2.0
// kpctl dgram: stats/sockets/set over the "kp_dgram" generic netlink family;
// send/recv/ping over the socket API (socket(AF_INET|AF_INET6, SOCK_DGRAM,
// proto)), so they also drive UDP (proto 17) for comparison.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "dgram.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "kpath/error.hpp"
#include "kpath/json.hpp"
#include "kpath/netns.hpp"
#include "kpath/parse.hpp"
#include "kpath/signals.hpp"

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
const char *const send_usage =
        "Usage: kpctl dgram send ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]\n"
        "                                  [ proto P ]\n"
        "Send N datagrams (default 1) of BYTES bytes (default 56; 0..65507 over IPv4,\n"
        "0..65527 over IPv6) to ADDR PORT from a connected socket, one every MS\n"
        "milliseconds (default 0: as fast as the socket takes them), then print how\n"
        "many were sent. Each payload carries a sequence number and a pattern that\n"
        "\"kpctl dgram recv\" checks. An ICMP error for an earlier datagram ends it\n"
        "(\"kpctl: send: Connection refused\"), as with UDP. P: the IP protocol\n"
        "number (default: kp_dgram's, 17 for UDP).\n";
const char *const recv_usage =
        "Usage: kpctl dgram recv [ ADDR ] PORT [ count N ] [ timeout SEC ] [ echo ]\n"
        "                                      [ proto P ]\n"
        "Bind to ADDR PORT (without ADDR: 0.0.0.0 and ::, two sockets) and receive\n"
        "until N datagrams came, or none came for SEC seconds (decimals allowed), or\n"
        "SIGINT or SIGTERM; then print how many came, their bytes, and how many of\n"
        "those that carry the payload of \"kpctl dgram send\" were damaged (bad).\n"
        "\"echo\" sends every datagram back to its sender (the peer of \"kpctl dgram\n"
        "ping\"). P: the IP protocol number (default: kp_dgram's, 17 for UDP).\n"
        "A signal ignored when kpctl starts (nohup, a background job of a script)\n"
        "stays ignored.\n";
const char *const ping_usage =
        "Usage: kpctl dgram ping ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]\n"
        "                                  [ timeout SEC ] [ proto P ]\n"
        "Send a datagram of BYTES bytes (default 56, at least 16) every MS\n"
        "milliseconds (default 1000) to a \"kpctl dgram recv ... echo\" at ADDR PORT,\n"
        "print a line per reply and, after N requests (default: until SIGINT or\n"
        "SIGTERM) and up to SEC seconds (default 2) for the last replies, ping(8)'s\n"
        "statistics. Exit status 1 when no reply came. P: the IP protocol number\n"
        "(default: kp_dgram's, 17 for UDP). A signal ignored when kpctl starts\n"
        "(nohup, a background job of a script) stays ignored.\n";

[[noreturn]] void unknown_arg(std::string_view ctx, const std::string &arg) {
    throw UsageError(std::string(ctx) + ": unknown argument \"" + arg + "\"");
}

template <typename T>
void set_once(std::optional<T> &slot, T value, std::string_view ctx, const std::string &kw) {
    if (slot)
        throw UsageError(std::string(ctx) + ": duplicate \"" + kw + "\"");
    slot = std::move(value);
}

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

// A positional word (ADDR, PORT); nullopt when it is a request for help.
std::optional<std::string> take_positional(Args &args, std::string_view ctx,
                                           std::string_view what) {
    if (args.empty())
        throw UsageError(std::string(ctx) + ": missing " + std::string(what));
    std::string w = args.take();
    if (is_help(w))
        return std::nullopt;
    return w;
}

// The keywords of send, recv and ping; those a command does not take are
// unknown arguments to it.
struct TrafficOptions {
    std::optional<uint64_t> count;
    std::optional<uint32_t> size;
    std::optional<uint32_t> interval_ms;
    std::optional<uint32_t> timeout_ms;
    std::optional<bool> echo;
    std::optional<uint8_t> proto;
};

enum Keyword : unsigned {
    KwCount = 1,
    KwSize = 2,
    KwInterval = 4,
    KwTimeout = 8,
    KwEcho = 16,
    KwProto = 32,
};

// Returns false when help was asked for.
bool parse_options(Args &args, std::string_view ctx, unsigned allowed, int family,
                   uint32_t min_size, uint32_t min_interval, TrafficOptions &o) {
    while (!args.empty()) {
        const std::string kw = args.take();
        if (is_help(kw))
            return false;
        if (kw == "count" && (allowed & KwCount))
            set_once(o.count, parse_count(args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "size" && (allowed & KwSize))
            set_once(o.size, parse_size(args.take_value(ctx, kw), family, min_size), ctx, kw);
        else if (kw == "interval" && (allowed & KwInterval))
            set_once(o.interval_ms, parse_interval(args.take_value(ctx, kw), min_interval), ctx,
                     kw);
        else if (kw == "timeout" && (allowed & KwTimeout))
            set_once(o.timeout_ms, parse_timeout(args.take_value(ctx, kw)), ctx, kw);
        else if (kw == "echo" && (allowed & KwEcho))
            set_once(o.echo, true, ctx, kw);
        else if (kw == "proto" && (allowed & KwProto))
            set_once(o.proto, parse_proto(args.take_value(ctx, kw)), ctx, kw);
        else
            unknown_arg(ctx, kw);
    }
    return true;
}

DgramCmd parse_send(Args &args) {
    constexpr std::string_view ctx = "dgram send";
    auto addr = take_positional(args, ctx, "ADDR");
    if (!addr)
        return Help{send_usage};
    DgramSend cmd;
    cmd.addr = parse_dgram_addr(*addr);
    auto port = take_positional(args, ctx, "PORT");
    if (!port)
        return Help{send_usage};
    cmd.port = parse_port(*port);
    TrafficOptions o;
    if (!parse_options(args, ctx, KwCount | KwSize | KwInterval | KwProto, cmd.addr.family, 0, 0,
                       o))
        return Help{send_usage};
    cmd.count = o.count.value_or(cmd.count);
    cmd.size = o.size.value_or(cmd.size);
    cmd.interval_ms = o.interval_ms.value_or(cmd.interval_ms);
    cmd.proto = o.proto;
    return cmd;
}

bool looks_like_address(const std::string &s) {
    return s.find_first_of(".:") != std::string::npos;
}

DgramCmd parse_recv(Args &args) {
    constexpr std::string_view ctx = "dgram recv";
    auto first = take_positional(args, ctx, "PORT");
    if (!first)
        return Help{recv_usage};
    DgramRecv cmd;
    if (looks_like_address(*first)) {
        cmd.addr = parse_dgram_addr(*first);
        auto port = take_positional(args, ctx, "PORT");
        if (!port)
            return Help{recv_usage};
        cmd.port = parse_port(*port);
    } else {
        cmd.port = parse_port(*first);
    }
    TrafficOptions o;
    if (!parse_options(args, ctx, KwCount | KwTimeout | KwEcho | KwProto, AF_INET, 0, 0, o))
        return Help{recv_usage};
    cmd.count = o.count;
    cmd.timeout_ms = o.timeout_ms;
    cmd.echo = o.echo.value_or(false);
    cmd.proto = o.proto;
    return cmd;
}

DgramCmd parse_ping(Args &args) {
    constexpr std::string_view ctx = "dgram ping";
    auto addr = take_positional(args, ctx, "ADDR");
    if (!addr)
        return Help{ping_usage};
    DgramPing cmd;
    cmd.addr = parse_dgram_addr(*addr);
    auto port = take_positional(args, ctx, "PORT");
    if (!port)
        return Help{ping_usage};
    cmd.port = parse_port(*port);
    TrafficOptions o;
    if (!parse_options(args, ctx, KwCount | KwSize | KwInterval | KwTimeout | KwProto,
                       cmd.addr.family, payload::header_size, 1, o))
        return Help{ping_usage};
    cmd.count = o.count;
    cmd.size = o.size.value_or(cmd.size);
    cmd.interval_ms = o.interval_ms.value_or(cmd.interval_ms);
    cmd.timeout_ms = o.timeout_ms.value_or(cmd.timeout_ms);
    cmd.proto = o.proto;
    return cmd;
}

} // namespace

// --- value parsers -------------------------------------------------------------

std::string DgramAddr::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family, bytes.data(), buf, sizeof(buf)))
        return "?";
    return scope.empty() ? std::string(buf) : std::string(buf) + "%" + scope;
}

DgramAddr parse_dgram_addr(const std::string &s) {
    DgramAddr a;
    const size_t pct = s.find('%');
    const std::string host = s.substr(0, pct);
    if (inet_pton(AF_INET, host.c_str(), a.bytes.data()) == 1 && pct == std::string::npos) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, host.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        if (pct != std::string::npos) {
            a.scope = s.substr(pct + 1);
            if (!kpath::parse::valid_ifname(a.scope))
                throw UsageError("invalid address \"" + s + "\": bad zone \"" + a.scope + "\"");
        }
        return a;
    }
    throw UsageError("invalid address \"" + s + "\": expected an IPv4 or IPv6 address");
}

uint16_t parse_port(const std::string &s) {
    auto v = kpath::parse::unsigned_int(s, 1, 65535);
    if (!v)
        throw UsageError("invalid port \"" + s + "\": expected 1..65535");
    return static_cast<uint16_t>(*v);
}

uint8_t parse_proto(const std::string &s) {
    auto v = kpath::parse::unsigned_int(s, 0, 255);
    if (!v)
        throw UsageError("invalid proto \"" + s + "\": expected 0..255");
    return static_cast<uint8_t>(*v);
}

uint32_t max_payload(int family) {
    // 65535 - 8, less the IPv4 header over IPv4 (IPv6's is outside its
    // payload length).
    return family == AF_INET6 ? KP_DGRAM_MAX_PAYLOAD6 : KP_DGRAM_MAX_PAYLOAD;
}

uint32_t parse_size(const std::string &s, int family, uint32_t min) {
    const uint32_t max = max_payload(family);
    auto v = kpath::parse::unsigned_int(s, min, max);
    if (!v)
        throw UsageError("invalid size \"" + s + "\": expected " + std::to_string(min) + ".." +
                         std::to_string(max) + " bytes over " +
                         (family == AF_INET6 ? "IPv6" : "IPv4"));
    return static_cast<uint32_t>(*v);
}

uint32_t parse_interval(const std::string &s, uint32_t min) {
    constexpr uint32_t max = 3600000;
    auto v = kpath::parse::unsigned_int(s, min, max);
    if (!v)
        throw UsageError("invalid interval \"" + s + "\": expected " + std::to_string(min) + ".." +
                         std::to_string(max) + " milliseconds");
    return static_cast<uint32_t>(*v);
}

uint32_t parse_timeout(const std::string &s) {
    constexpr uint64_t max_ms = 86400000;
    auto fail = [&s]() -> uint32_t {
        throw UsageError("invalid timeout \"" + s +
                         "\": expected seconds, 0.001..86400 (up to 3 decimals)");
    };
    const size_t dot = s.find('.');
    const std::string whole = s.substr(0, dot);
    const std::string frac = dot == std::string::npos ? std::string() : s.substr(dot + 1);
    if ((dot != std::string::npos && (frac.empty() || frac.size() > 3)) ||
        (whole.empty() && frac.empty()))
        return fail();
    uint64_t ms = 0;
    if (!whole.empty()) {
        auto w = kpath::parse::unsigned_int(whole, 0, max_ms / 1000);
        if (!w)
            return fail();
        ms = *w * 1000;
    }
    if (!frac.empty()) {
        auto f = kpath::parse::unsigned_int(frac, 0, 999);
        if (!f)
            return fail();
        for (size_t i = frac.size(); i < 3; i++)
            *f *= 10;
        ms += *f;
    }
    if (ms < 1 || ms > max_ms)
        return fail();
    return static_cast<uint32_t>(ms);
}

SocketError::SocketError(const std::string &call, int err, const std::string &hint)
    : std::runtime_error(call + ": " + std::strerror(err) + (hint.empty() ? "" : " " + hint)),
      err_(err) {}

// --- payloads ------------------------------------------------------------------

namespace payload {

namespace {

constexpr size_t pattern_period = 251;

// table[j] = j mod 251, long enough for any payload at any offset: the
// pattern of SEQ at byte i is table[i + 7 * SEQ mod 251].
const std::vector<uint8_t> &pattern_table() {
    static const std::vector<uint8_t> t = [] {
        std::vector<uint8_t> v(65536 + pattern_period);
        for (size_t j = 0; j < v.size(); j++)
            v[j] = static_cast<uint8_t>(j % pattern_period);
        return v;
    }();
    return t;
}

size_t pattern_offset(uint64_t seq) {
    return static_cast<size_t>((seq % pattern_period) * 7 % pattern_period);
}

void put_be(uint8_t *p, uint64_t v, size_t bytes) {
    for (size_t i = 0; i < bytes; i++)
        p[i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
}

uint64_t get_be(const uint8_t *p, size_t bytes) {
    uint64_t v = 0;
    for (size_t i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

} // namespace

void fill(uint8_t *buf, size_t size, uint64_t seq) {
    uint8_t hdr[header_size];
    std::memcpy(hdr, magic.data(), magic.size());
    put_be(hdr + 4, size, 4);
    put_be(hdr + 8, seq, 8);
    std::memcpy(buf, hdr, std::min(size, header_size));
    if (size > header_size)
        std::memcpy(buf + header_size, pattern_table().data() + header_size + pattern_offset(seq),
                    size - header_size);
}

Verdict check(const uint8_t *buf, size_t size, uint64_t *seq) {
    if (size < header_size || std::memcmp(buf, magic.data(), magic.size()) != 0)
        return Verdict::Foreign;
    const uint64_t s = get_be(buf + 8, 8);
    if (seq)
        *seq = s;
    if (get_be(buf + 4, 4) != size)
        return Verdict::Bad;
    if (std::memcmp(buf + header_size, pattern_table().data() + header_size + pattern_offset(s),
                    size - header_size) != 0)
        return Verdict::Bad;
    return Verdict::Good;
}

} // namespace payload

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

void print_send_summary(Printer &p, const SendSummary &s) {
    p.open_object();
    p.field(Where::Any, "sent", "{} datagrams sent", s.sent);
    p.field(Where::Any, "bytes", ", {} bytes", s.bytes);
    p.field(Where::Json, "elapsed_us", "", s.elapsed_us);
    p.close_object();
    p.newline();
}

void print_recv_summary(Printer &p, const RecvSummary &s) {
    p.open_object();
    p.field(Where::Any, "received", "{} datagrams received", s.received);
    p.field(Where::Any, "bytes", ", {} bytes", s.bytes);
    p.field(Where::Any, "bad", ", {} bad", s.bad);
    p.field(Where::Any, "unchecked", ", {} unchecked", s.unchecked);
    p.field(Where::Any, "echoed", ", {} echoed", s.echoed);
    p.field(Where::Json, "elapsed_us", "", s.elapsed_us);
    p.close_object();
    p.newline();
}

double PingSummary::loss_percent() const {
    if (!transmitted || received >= transmitted)
        return 0;
    return static_cast<double>(transmitted - received) * 100.0 / static_cast<double>(transmitted);
}

namespace {

// v with `decimals` decimals ("%.*f").
std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
    return buf;
}

// v as "%g" writes it: "0", "12.5", "33.3333".
std::string general(double v) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%g", v);
    return buf;
}

// A flat JSON object with floating-point members, which kpath::JsonWriter
// (integers, strings and booleans only) does not write: compact, or pretty
// as JsonWriter indents.
class FlatJsonObject {
public:
    FlatJsonObject(std::ostream &os, bool pretty) : os_(os), pretty_(pretty) { os_ << '{'; }

    void raw(std::string_view key, const std::string &value) {
        os_ << (first_ ? "" : ",") << (pretty_ ? "\n    " : "") << '"'
            << kpath::JsonWriter::escape(key) << (pretty_ ? "\": " : "\":") << value;
        first_ = false;
    }
    void member(std::string_view key, const std::string &s) {
        raw(key, '"' + kpath::JsonWriter::escape(s) + '"');
    }
    void member(std::string_view key, uint64_t v) { raw(key, std::to_string(v)); }
    void close() { os_ << (pretty_ && !first_ ? "\n}" : "}"); }

private:
    std::ostream &os_;
    bool pretty_;
    bool first_ = true;
};

} // namespace

void print_ping_summary(std::ostream &out, const PingSummary &s, bool json, bool pretty) {
    const std::string loss = general(s.loss_percent());
    if (json) {
        FlatJsonObject o(out, pretty);
        o.member("destination", s.destination);
        o.member("port", s.port);
        o.member("transmitted", s.transmitted);
        o.member("received", s.received);
        o.member("duplicates", s.duplicates);
        o.member("bad", s.bad);
        o.member("errors", s.errors);
        o.raw("loss_percent", loss);
        if (s.received) {
            o.raw("rtt_min_ms", fixed(s.rtt_min, 3));
            o.raw("rtt_avg_ms", fixed(s.rtt_avg, 3));
            o.raw("rtt_max_ms", fixed(s.rtt_max, 3));
            o.raw("rtt_mdev_ms", fixed(s.rtt_mdev, 3));
        }
        o.close();
        out << '\n';
        return;
    }
    out << "\n--- " << s.destination << " kp_dgram ping statistics ---\n"
        << s.transmitted << " transmitted, " << s.received << " received";
    if (s.duplicates)
        out << ", +" << s.duplicates << " duplicates";
    if (s.bad)
        out << ", +" << s.bad << " bad";
    if (s.errors)
        out << ", +" << s.errors << " errors";
    out << ", " << loss << "% packet loss\n";
    if (s.received) {
        out << "rtt min/avg/max/mdev = " << fixed(s.rtt_min, 3) << '/' << fixed(s.rtt_avg, 3) << '/'
            << fixed(s.rtt_max, 3) << '/' << fixed(s.rtt_mdev, 3) << " ms\n";
    }
}

std::string format_ping_reply(size_t bytes, const std::string &from, uint64_t seq, double rtt_ms) {
    // As ping(8): three significant decimals below 1 ms, fewer above.
    const int decimals = rtt_ms < 1 ? 3 : rtt_ms < 9.995 ? 2 : rtt_ms < 99.95 ? 1 : 0;
    return std::to_string(bytes) + " bytes from " + from + ": seq=" + std::to_string(seq) +
           " time=" + fixed(rtt_ms, decimals) + " ms";
}

// --- running -------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

uint64_t micros(Clock::duration d) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

double millis(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// Extack warnings of the last request: "Warning: <text>" on stderr.
void print_warnings(const std::vector<std::string> &warnings, std::ostream &err) {
    for (const auto &w : warnings)
        err << "Warning: " << w << '\n';
}

Printer make_printer(std::ostream &out, const Globals &g) {
    return Printer(out, g.json ? kpath::print::Mode::Json : kpath::print::Mode::Text, g.pretty);
}

int do_stats(const Globals &g, std::ostream &out, std::ostream &err) {
    dgram::Client client;
    const dgram::NsStats ns = client.stats_get();
    Printer p = make_printer(out, g);
    print_ns_stats(p, ns);
    if (g.json)
        out << '\n';
    out.flush();
    print_warnings(client.family().socket().warnings(), err);
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
    Printer p = make_printer(out, g);
    print_sockets(p, dumped.items, names);
    if (g.json)
        out << '\n';
    out.flush();
    print_warnings(dumped.warnings, err);
    return 0;
}

int do_set(const DgramSet &cmd, std::ostream &err) {
    dgram::Client client;
    client.config_set(cmd.port_unreach);
    print_warnings(client.family().socket().warnings(), err);
    return 0;
}

// The loaded module's protocol number, else 253.
uint8_t default_proto() {
    std::ifstream f("/sys/module/kp_dgram/parameters/proto");
    std::string s;
    if (f >> s) {
        if (auto v = kpath::parse::unsigned_int(s, 0, 255))
            return static_cast<uint8_t>(*v);
    }
    return KP_DGRAM_PROTO_DEFAULT;
}

struct Endpoint {
    sockaddr_storage ss{};
    socklen_t len = 0;

    const sockaddr *sa() const { return reinterpret_cast<const sockaddr *>(&ss); }
};

// The zone of a link-local IPv6 address: an ifindex, or a device name in the
// current namespace.
uint32_t scope_id(const DgramAddr &a) {
    if (a.scope.empty())
        return 0;
    if (auto n = kpath::parse::unsigned_int(a.scope, 1, UINT32_MAX))
        return static_cast<uint32_t>(*n);
    return resolve_ifindex(a.scope);
}

Endpoint endpoint(int family, const uint8_t *bytes, uint16_t port, uint32_t scope = 0) {
    Endpoint e;
    if (family == AF_INET) {
        auto *sin = reinterpret_cast<sockaddr_in *>(&e.ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        std::memcpy(&sin->sin_addr, bytes, 4);
        e.len = sizeof(*sin);
    } else {
        auto *sin6 = reinterpret_cast<sockaddr_in6 *>(&e.ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        std::memcpy(&sin6->sin6_addr, bytes, 16);
        sin6->sin6_scope_id = scope;
        e.len = sizeof(*sin6);
    }
    return e;
}

Endpoint endpoint(const DgramAddr &a, uint16_t port) {
    return endpoint(a.family, a.bytes.data(), port, scope_id(a));
}

// A non-blocking datagram socket of `proto`.
kpath::Fd open_socket(int family, uint8_t proto) {
    kpath::Fd fd(socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
    if (!fd) {
        const int e = errno;
        const bool ours = proto == KP_DGRAM_PROTO_DEFAULT || proto == KP_DGRAM_PROTO_ALT;
        throw SocketError("socket", e,
                          ours && (e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT)
                                  ? "(is kp_dgram.ko loaded?)"
                                  : "");
    }
    return fd;
}

kpath::Fd open_connected(const DgramAddr &addr, uint16_t port, uint8_t proto) {
    const Endpoint dst = endpoint(addr, port);
    kpath::Fd fd = open_socket(addr.family, proto);
    if (connect(fd.get(), dst.sa(), dst.len) < 0)
        throw SocketError("connect", errno);
    return fd;
}

// Errors the kernel reports on a socket for an ICMP error about an earlier
// datagram (once, by the next send or recv).
bool icmp_error(int e) {
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN ||
           e == ENETDOWN || e == EPROTO;
}

// Waits for sockets, a deadline, or SIGINT/SIGTERM: an epoll set of the
// sockets and a timerfd, waited on through kpath::StopSignals (which only
// lets the stop signals in while it waits).
class Poller {
public:
    Poller() : ep_(epoll_create1(EPOLL_CLOEXEC)) {
        if (!ep_)
            throw SocketError("epoll_create1", errno);
        timer_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
        if (!timer_)
            throw SocketError("timerfd_create", errno);
        ctl(EPOLL_CTL_ADD, timer_.get(), EPOLLIN);
    }

    // Watch fd for `events` (EPOLLIN, EPOLLOUT; 0: not at all).
    void watch(int fd, uint32_t events) {
        auto it = std::find_if(watched_.begin(), watched_.end(),
                               [fd](const auto &w) { return w.first == fd; });
        if (it == watched_.end()) {
            ctl(EPOLL_CTL_ADD, fd, events);
            watched_.emplace_back(fd, events);
        } else if (it->second != events) {
            ctl(EPOLL_CTL_MOD, fd, events);
            it->second = events;
        }
    }

    // The next wait() returns by `when` at the latest; nullopt: no deadline.
    void deadline(std::optional<Clock::time_point> when) {
        itimerspec its = {};
        if (when) {
            auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(when->time_since_epoch())
                              .count();
            ns = std::max<decltype(ns)>(ns, 1); // 0 would disarm it
            its.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
            its.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
        }
        if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr) < 0)
            throw SocketError("timerfd_settime", errno);
    }

    // Until a watched socket is ready or the deadline passed (true), or a
    // stop signal came (false). The caller tries its non-blocking calls.
    bool wait() {
        if (signals_.wait(ep_.get()) == kpath::StopSignals::Result::Stop)
            return false;
        uint64_t expirations;
        (void)!read(timer_.get(), &expirations, sizeof(expirations)); // EAGAIN: not expired
        return true;
    }

    // For loops that do not wait (send as fast as possible): whether a stop
    // signal is pending. The signal is then taken by StopSignals when it
    // goes, not by the default action.
    bool stop_pending() const {
        if (signals_.stopped())
            return true;
        sigset_t pending;
        if (sigpending(&pending) < 0)
            return false;
        return (signals_.handles(SIGINT) && sigismember(&pending, SIGINT) == 1) ||
               (signals_.handles(SIGTERM) && sigismember(&pending, SIGTERM) == 1);
    }

private:
    void ctl(int op, int fd, uint32_t events) {
        epoll_event ev = {};
        ev.events = events;
        ev.data.fd = fd;
        if (epoll_ctl(ep_.get(), op, fd, &ev) < 0)
            throw SocketError("epoll_ctl", errno);
    }

    kpath::Fd ep_;
    kpath::Fd timer_;
    std::vector<std::pair<int, uint32_t>> watched_;
    kpath::StopSignals signals_;
};

int do_send(const DgramSend &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(default_proto());
    kpath::Fd fd = open_connected(cmd.addr, cmd.port, proto);
    Poller poller;
    std::vector<uint8_t> buf(std::max<size_t>(cmd.size, 1));
    SendSummary sum;
    const auto start = Clock::now();
    auto last = start;
    bool stopped = false;

    for (uint64_t seq = 1; seq <= cmd.count && !stopped; seq++) {
        if (cmd.interval_ms && seq > 1) {
            // On a fixed schedule from the start: no drift.
            const auto due = start + std::chrono::milliseconds(cmd.interval_ms) *
                                             static_cast<int64_t>(seq - 1);
            poller.deadline(due);
            while (Clock::now() < due && !stopped)
                stopped = !poller.wait();
            if (stopped)
                break;
        } else if (seq % 64 == 0 && poller.stop_pending()) {
            break;
        }
        payload::fill(buf.data(), cmd.size, seq);
        for (;;) {
            if (send(fd.get(), buf.data(), cmd.size, 0) >= 0)
                break;
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS) {
                // Dropped by the qdisc: nothing to poll for, try again soon.
                poller.deadline(Clock::now() + std::chrono::milliseconds(1));
                stopped = !poller.wait();
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                // The send buffer is full: wait for room (or a stop signal).
                poller.deadline(std::nullopt);
                poller.watch(fd.get(), EPOLLOUT);
                stopped = !poller.wait();
                poller.watch(fd.get(), 0);
            } else {
                throw SocketError("send", errno);
            }
            if (stopped)
                break;
        }
        if (stopped)
            break;
        last = Clock::now();
        sum.sent++;
        sum.bytes += cmd.size;
    }
    sum.elapsed_us = micros(last - start);

    Printer p = make_printer(out, g);
    print_send_summary(p, sum);
    if (g.json)
        out << '\n';
    return 0;
}

std::vector<kpath::Fd> bind_receivers(const DgramRecv &cmd, uint8_t proto) {
    std::vector<kpath::Fd> fds;
    auto bind_one = [&](const Endpoint &e, int family, bool optional) {
        kpath::Fd fd;
        try {
            fd = open_socket(family, proto);
        } catch (const SocketError &ex) {
            if (optional && ex.error() == EAFNOSUPPORT)
                return; // no IPv6 here
            throw;
        }
        if (family == AF_INET6) {
            // kp_dgram's IPv6 sockets are IPv6 only; UDP's are made so, for
            // the IPv4 socket to get the port too.
            int one = 1;
            (void)setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        if (bind(fd.get(), e.sa(), e.len) < 0)
            throw SocketError("bind", errno);
        fds.push_back(std::move(fd));
    };
    if (cmd.addr) {
        bind_one(endpoint(*cmd.addr, cmd.port), cmd.addr->family, false);
    } else {
        const uint8_t any[16] = {};
        bind_one(endpoint(AF_INET, any, cmd.port), AF_INET, false);
        bind_one(endpoint(AF_INET6, any, cmd.port), AF_INET6, true);
    }
    return fds;
}

int do_recv(const DgramRecv &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(default_proto());
    std::vector<kpath::Fd> fds = bind_receivers(cmd, proto);
    Poller poller;
    for (const auto &fd : fds)
        poller.watch(fd.get(), EPOLLIN);

    RecvSummary sum;
    if (cmd.echo)
        sum.echoed = 0;
    std::vector<uint8_t> buf(65536);
    std::optional<Clock::time_point> first, last;
    auto idle_since = Clock::now();
    const auto timeout = std::chrono::milliseconds(cmd.timeout_ms.value_or(0));
    auto done = [&] {
        return cmd.count && sum.received >= *cmd.count;
    };

    while (!done()) {
        if (cmd.timeout_ms) {
            const auto due = idle_since + timeout;
            if (Clock::now() >= due)
                break;
            poller.deadline(due);
        }
        if (!poller.wait())
            break;
        for (const auto &fd : fds) {
            // A bounded batch per socket, so that neither starves the other.
            for (int batch = 0; batch < 64 && !done(); batch++) {
                sockaddr_storage from{};
                socklen_t fromlen = sizeof(from);
                const ssize_t n = recvfrom(fd.get(), buf.data(), buf.size(), 0,
                                           reinterpret_cast<sockaddr *>(&from), &fromlen);
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    if (errno == EAGAIN || errno == EWOULDBLOCK)
                        break;
                    if (icmp_error(errno))
                        continue; // about an echo: its sender is gone
                    throw SocketError("recv", errno);
                }
                const auto now = Clock::now();
                if (!first)
                    first = now;
                last = now;
                idle_since = now;
                sum.received++;
                sum.bytes += static_cast<uint64_t>(n);
                switch (payload::check(buf.data(), static_cast<size_t>(n))) {
                case payload::Verdict::Good:
                    break;
                case payload::Verdict::Bad:
                    sum.bad++;
                    break;
                case payload::Verdict::Foreign:
                    sum.unchecked++;
                    break;
                }
                if (cmd.echo) {
                    if (sendto(fd.get(), buf.data(), static_cast<size_t>(n), 0,
                               reinterpret_cast<const sockaddr *>(&from), fromlen) >= 0)
                        ++*sum.echoed;
                    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
                             !icmp_error(errno))
                        throw SocketError("send", errno);
                    // A full send buffer loses the echo, as a full
                    // receive buffer loses a request: a ping sees loss.
                }
            }
        }
    }
    if (first)
        sum.elapsed_us = micros(*last - *first);

    Printer p = make_printer(out, g);
    print_recv_summary(p, sum);
    if (g.json)
        out << '\n';
    return 0;
}

int do_ping(const DgramPing &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(default_proto());
    kpath::Fd fd = open_connected(cmd.addr, cmd.port, proto);
    Poller poller;
    poller.watch(fd.get(), EPOLLIN);

    PingSummary sum;
    sum.destination = cmd.addr.str();
    sum.port = cmd.port;
    if (!g.json) {
        out << "PING " << sum.destination << " port " << cmd.port << " proto "
            << static_cast<unsigned>(proto) << ": " << cmd.size << " data bytes\n";
        out.flush();
    }

    std::vector<uint8_t> req(cmd.size), reply(65536);
    std::map<uint64_t, Clock::time_point> outstanding; // seq -> sent at
    constexpr size_t max_outstanding = 1 << 16;
    uint64_t seq = 0;
    double sum_ms = 0, sum2_ms = 0;
    const auto interval = std::chrono::milliseconds(cmd.interval_ms);
    const auto timeout = std::chrono::milliseconds(cmd.timeout_ms);
    auto next_send = Clock::now();
    auto last_send = next_send;

    auto report_error = [&](int e) {
        sum.errors++;
        if (!g.json) {
            out << "From " << sum.destination << ": " << std::strerror(e) << '\n';
            out.flush();
        }
    };

    for (;;) {
        const auto now = Clock::now();
        const bool more = !cmd.count || seq < *cmd.count;
        if (more && now >= next_send) {
            payload::fill(req.data(), req.size(), seq + 1);
            // One retry: an ICMP error the send reports is about an earlier
            // datagram, this one was not sent.
            bool sent = false;
            for (int attempt = 0; attempt < 2 && !sent; attempt++) {
                if (send(fd.get(), req.data(), req.size(), 0) >= 0) {
                    sent = true;
                } else if (icmp_error(errno)) {
                    report_error(errno);
                } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
                           errno == EINTR) {
                    break; // counted as transmitted and lost
                } else {
                    throw SocketError("send", errno);
                }
            }
            seq++;
            sum.transmitted++;
            last_send = Clock::now();
            outstanding[seq] = last_send;
            if (outstanding.size() > max_outstanding)
                outstanding.erase(outstanding.begin());
            // On schedule, but after a stall (a slow VM) no burst to catch up.
            next_send = std::max(next_send + interval, last_send);
            continue; // look at the clock again before waiting
        }
        std::optional<Clock::time_point> due;
        if (more) {
            due = next_send;
        } else {
            if (outstanding.empty() || now >= last_send + timeout)
                break;
            due = last_send + timeout;
        }
        poller.deadline(due);
        if (!poller.wait())
            break;

        for (;;) {
            const ssize_t n = recv(fd.get(), reply.data(), reply.size(), 0);
            const auto at = Clock::now();
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                if (icmp_error(errno)) {
                    report_error(errno);
                    continue;
                }
                throw SocketError("recv", errno);
            }
            uint64_t rseq = 0;
            const auto verdict = payload::check(reply.data(), static_cast<size_t>(n), &rseq);
            std::string line;
            if (verdict != payload::Verdict::Good || static_cast<size_t>(n) != req.size() ||
                rseq == 0 || rseq > seq) {
                sum.bad++;
                line = std::to_string(n) + " bytes from " + sum.destination + ": (BAD)";
            } else if (auto it = outstanding.find(rseq); it != outstanding.end()) {
                const double ms = millis(at - it->second);
                outstanding.erase(it);
                if (!sum.received || ms < sum.rtt_min)
                    sum.rtt_min = ms;
                sum.rtt_max = std::max(sum.rtt_max, ms);
                sum.received++;
                sum_ms += ms;
                sum2_ms += ms * ms;
                line = format_ping_reply(static_cast<size_t>(n), sum.destination, rseq, ms);
            } else {
                sum.duplicates++;
                line = std::to_string(n) + " bytes from " + sum.destination +
                       ": seq=" + std::to_string(rseq) + " (DUP!)";
            }
            if (!g.json) {
                out << line << '\n';
                out.flush();
            }
        }
    }

    if (sum.received) {
        const double n = static_cast<double>(sum.received);
        sum.rtt_avg = sum_ms / n;
        sum.rtt_mdev = std::sqrt(std::max(0.0, sum2_ms / n - sum.rtt_avg * sum.rtt_avg));
    }
    print_ping_summary(out, sum, g.json, g.pretty);
    out.flush();
    return sum.received ? 0 : 1;
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
        {{"send"}, parse_send},
        {{"recv", "receive"}, parse_recv},
        {{"ping"}, parse_ping},
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
    return std::visit(
            [&](const auto &c) -> int {
                using T = std::decay_t<decltype(c)>;
                if constexpr (std::is_same_v<T, Help>) {
                    out << c.text;
                    return 0;
                } else if constexpr (std::is_same_v<T, DgramStats>) {
                    return do_stats(g, out, err);
                } else if constexpr (std::is_same_v<T, DgramSockets>) {
                    return do_sockets(g, out, err);
                } else if constexpr (std::is_same_v<T, DgramSet>) {
                    return do_set(c, err);
                } else if constexpr (std::is_same_v<T, DgramSend>) {
                    return do_send(c, g, out);
                } else if constexpr (std::is_same_v<T, DgramRecv>) {
                    return do_recv(c, g, out);
                } else {
                    static_assert(std::is_same_v<T, DgramPing>);
                    return do_ping(c, g, out);
                }
            },
            cmd);
}

} // namespace kpctl
