// SPDX-License-Identifier: GPL-2.0
// kpctl dgram send, recv and ping: their command lines, their output, and
// the traffic engine of libkpath (kpath/traffic.hpp) run with them. Over the
// socket API, so they also drive UDP (proto 17) for comparison.
#include "dgram.hpp"

#include <cstring>

#include <sys/socket.h>

#include "kpath/parse.hpp"
#include "kpath/signals.hpp"

namespace kpctl {

namespace traffic = kpath::traffic;
using kpath::Real;
using kpath::print::Printer;
using kpath::print::Where;

namespace {

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

bool looks_like_address(const std::string &s) {
    return s.find_first_of(".:") != std::string::npos;
}

// The command line of send, recv and ping: ADDR PORT, and the keywords.
struct Target {
    std::optional<DgramAddr> addr;
    uint16_t port = 0;
    TrafficOptions o;
};

// "ADDR PORT" (recv: "[ ADDR ] PORT") and the keywords in `allowed`;
// nullopt when help was asked for.
std::optional<Target> parse_target(Args &args, std::string_view ctx, bool addr_optional,
                                   unsigned allowed, uint32_t min_size, uint32_t min_interval) {
    auto word = take_positional(args, ctx, addr_optional ? "PORT" : "ADDR");
    if (!word)
        return std::nullopt;
    Target t;
    if (!addr_optional || looks_like_address(*word)) {
        t.addr = parse_dgram_addr(*word);
        word = take_positional(args, ctx, "PORT");
        if (!word)
            return std::nullopt;
    }
    t.port = parse_port(*word);
    const int family = t.addr ? t.addr->family : AF_INET;
    if (!parse_options(args, ctx, allowed, family, min_size, min_interval, t.o))
        return std::nullopt;
    return t;
}

} // namespace

DgramCmd parse_dgram_send(Args &args) {
    auto t = parse_target(args, "dgram send", false, KwCount | KwSize | KwInterval | KwProto, 0, 0);
    if (!t)
        return Help{send_usage};
    DgramSend cmd;
    cmd.addr = *t->addr;
    cmd.port = t->port;
    cmd.count = t->o.count.value_or(cmd.count);
    cmd.size = t->o.size.value_or(cmd.size);
    cmd.interval_ms = t->o.interval_ms.value_or(cmd.interval_ms);
    cmd.proto = t->o.proto;
    return cmd;
}

DgramCmd parse_dgram_recv(Args &args) {
    auto t = parse_target(args, "dgram recv", true, KwCount | KwTimeout | KwEcho | KwProto, 0, 0);
    if (!t)
        return Help{recv_usage};
    DgramRecv cmd;
    cmd.addr = t->addr;
    cmd.port = t->port;
    cmd.count = t->o.count;
    cmd.timeout_ms = t->o.timeout_ms;
    cmd.echo = t->o.echo.value_or(false);
    cmd.proto = t->o.proto;
    return cmd;
}

DgramCmd parse_dgram_ping(Args &args) {
    auto t = parse_target(args, "dgram ping", false,
                          KwCount | KwSize | KwInterval | KwTimeout | KwProto,
                          traffic::payload::header_size, 1);
    if (!t)
        return Help{ping_usage};
    DgramPing cmd;
    cmd.addr = *t->addr;
    cmd.port = t->port;
    cmd.count = t->o.count;
    cmd.size = t->o.size.value_or(cmd.size);
    cmd.interval_ms = t->o.interval_ms.value_or(cmd.interval_ms);
    cmd.timeout_ms = t->o.timeout_ms.value_or(cmd.timeout_ms);
    cmd.proto = t->o.proto;
    return cmd;
}

// --- value parsers -------------------------------------------------------------

DgramAddr parse_dgram_addr(const std::string &s) {
    auto a = traffic::parse_addr(s);
    if (!a)
        throw UsageError("invalid address \"" + s + "\": expected an IPv4 or IPv6 address");
    if (s.find('%') != std::string::npos && !kpath::parse::valid_ifname(a->scope))
        throw UsageError("invalid address \"" + s + "\": bad zone \"" + a->scope + "\"");
    return *a;
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

uint32_t parse_size(const std::string &s, int family, uint32_t min) {
    const uint32_t max = traffic::max_payload(family);
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

// --- output --------------------------------------------------------------------

void print_send_summary(Printer &p, const traffic::SendSummary &s) {
    p.open_object();
    p.field(Where::Any, "sent", "{} datagrams sent", s.sent);
    p.field(Where::Any, "bytes", ", {} bytes", s.bytes);
    p.field(Where::Json, "elapsed_us", "", s.elapsed_us);
    p.close_object();
    p.newline();
}

void print_recv_summary(Printer &p, const traffic::RecvSummary &s) {
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

void print_ping_summary(Printer &p, const std::string &destination, uint16_t port,
                        const traffic::PingSummary &s) {
    // Always in JSON; in text, as ping(8), only when not 0.
    auto extra = [&p](std::string_view key, std::string_view fmt, uint64_t v) {
        p.field(Where::Json, key, "", v);
        if (v)
            p.field(Where::Text, key, fmt, v);
    };
    auto rtt = [](double ms) {
        return Real::fixed(ms, 3);
    };

    p.open_object();
    p.text("\n--- " + destination + " kp_dgram ping statistics ---\n");
    p.field(Where::Json, "destination", "", destination);
    p.field(Where::Json, "port", "", port);
    p.field(Where::Any, "transmitted", "{} transmitted", s.transmitted);
    p.field(Where::Any, "received", ", {} received", s.received);
    extra("duplicates", ", +{} duplicates", s.duplicates);
    extra("bad", ", +{} bad", s.bad);
    extra("errors", ", +{} errors", s.errors);
    p.field(Where::Any, "loss_percent", ", {}% packet loss\n", Real::general(s.loss_percent()));
    if (s.received) {
        p.field(Where::Any, "rtt_min_ms", "rtt min/avg/max/mdev = {}", rtt(s.rtt_min));
        p.field(Where::Any, "rtt_avg_ms", "/{}", rtt(s.rtt_avg));
        p.field(Where::Any, "rtt_max_ms", "/{}", rtt(s.rtt_max));
        p.field(Where::Any, "rtt_mdev_ms", "/{} ms\n", rtt(s.rtt_mdev));
    }
    p.close_object();
}

std::string format_ping_reply(const std::string &from, const traffic::PingReply &r) {
    const std::string head = std::to_string(r.bytes) + " bytes from " + from + ": ";
    switch (r.kind) {
    case traffic::PingReply::Kind::Bad:
        return head + "(BAD)";
    case traffic::PingReply::Kind::Duplicate:
        return head + "seq=" + std::to_string(r.seq) + " (DUP!)";
    case traffic::PingReply::Kind::Reply:
        break;
    }
    // As ping(8): three significant decimals below 1 ms, fewer above.
    const double ms = r.rtt_ms;
    const int decimals = ms < 1 ? 3 : ms < 9.995 ? 2 : ms < 99.95 ? 1 : 0;
    return head + "seq=" + std::to_string(r.seq) + " time=" + Real::fixed(ms, decimals).str() +
           " ms";
}

// --- running -------------------------------------------------------------------

namespace {

// The endpoint of ADDR PORT, its zone resolved in the current namespace.
traffic::Endpoint resolve(const DgramAddr &addr, uint16_t port) {
    const auto scope_id = traffic::scope_id(addr);
    if (!scope_id)
        throw NoDeviceError(addr.scope);
    return traffic::endpoint(addr, port, *scope_id);
}

} // namespace

int run_dgram_send(const DgramSend &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(traffic::default_proto());
    const kpath::Fd sock = traffic::open_connected(resolve(cmd.addr, cmd.port), proto);
    kpath::StopSignals stop;
    const auto sum = traffic::send_loop(sock, {cmd.count, cmd.size, cmd.interval_ms}, stop);
    print_output(out, g, [&](Printer &p) { print_send_summary(p, sum); });
    return 0;
}

int run_dgram_recv(const DgramRecv &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(traffic::default_proto());
    std::optional<traffic::Endpoint> local;
    if (cmd.addr)
        local = resolve(*cmd.addr, cmd.port);
    const std::vector<kpath::Fd> socks = traffic::open_receivers(local, cmd.port, proto);
    kpath::StopSignals stop;
    const auto sum = traffic::recv_loop(socks, {cmd.count, cmd.timeout_ms, cmd.echo}, stop);
    print_output(out, g, [&](Printer &p) { print_recv_summary(p, sum); });
    return 0;
}

int run_dgram_ping(const DgramPing &cmd, const Globals &g, std::ostream &out) {
    const uint8_t proto = cmd.proto.value_or(traffic::default_proto());
    const kpath::Fd sock = traffic::open_connected(resolve(cmd.addr, cmd.port), proto);
    kpath::StopSignals stop; // before the first line: a stop after it gets the summary
    const std::string dest = cmd.addr.str();
    traffic::PingEvents events;
    if (!g.json) {
        out << "PING " << dest << " port " << cmd.port << " proto " << static_cast<unsigned>(proto)
            << ": " << cmd.size << " data bytes\n";
        out.flush();
        // A line as each comes: readers sit on the other end of a pipe.
        events.reply = [&](const traffic::PingReply &r) {
            out << format_ping_reply(dest, r) << '\n';
            out.flush();
        };
        events.error = [&](int err) {
            out << "From " << dest << ": " << std::strerror(err) << '\n';
            out.flush();
        };
    }
    const auto sum = traffic::ping_loop(
            sock, {cmd.count, cmd.size, cmd.interval_ms, cmd.timeout_ms}, events, stop);
    print_output(out, g, [&](Printer &p) { print_ping_summary(p, dest, cmd.port, sum); });
    return sum.received ? 0 : 1;
}

} // namespace kpctl
