// SPDX-License-Identifier: GPL-2.0
// kpctl dgram: the commands of the "dgram" object (the kp_dgram transport):
// counters, sockets and configuration over generic netlink (dgram.cpp), and
// a traffic tool, send, recv and ping, over the socket API
// (dgram_traffic.cpp, on kpath/traffic.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "common.hpp"
#include "kpath/dgram.hpp"
#include "kpath/print.hpp"
#include "kpath/traffic.hpp"

namespace kpctl {

extern const char *const dgram_usage;

// An IPv4 or IPv6 literal as given on the command line; an IPv6 one may
// carry a zone ("fe80::1%eth0", "fe80::1%2"), resolved when the command runs
// (in the namespace of -n).
using DgramAddr = kpath::traffic::Addr;

// Parsed but not run: the protocol number defaults (nullopt) to the loaded
// module's (/sys/module/kp_dgram/parameters/proto), else 253.
struct DgramStats {};
struct DgramSockets {};
struct DgramSet {
    bool port_unreach = true;
};
struct DgramSend {
    DgramAddr addr;
    uint16_t port = 0;
    uint64_t count = 1;
    uint32_t size = 56;
    uint32_t interval_ms = 0; // 0: as fast as the socket takes them
    std::optional<uint8_t> proto;
};
struct DgramRecv {
    std::optional<DgramAddr> addr; // none: 0.0.0.0 and :: (two sockets)
    uint16_t port = 0;
    std::optional<uint64_t> count;      // none: until timeout or a signal
    std::optional<uint32_t> timeout_ms; // idle time that ends it
    bool echo = false;                  // send every datagram back
    std::optional<uint8_t> proto;
};
struct DgramPing {
    DgramAddr addr;
    uint16_t port = 0;
    std::optional<uint64_t> count; // none: until a signal
    uint32_t size = 56;
    uint32_t interval_ms = 1000;
    uint32_t timeout_ms = 2000; // wait for replies after the last request
    std::optional<uint8_t> proto;
};
using DgramCmd =
        std::variant<Help, DgramStats, DgramSockets, DgramSet, DgramSend, DgramRecv, DgramPing>;

DgramCmd parse_dgram(Args &args);
int run_dgram(const DgramCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err);

// --- the traffic verbs (dgram_traffic.cpp) -------------------------------------

DgramCmd parse_dgram_send(Args &args);
DgramCmd parse_dgram_recv(Args &args);
DgramCmd parse_dgram_ping(Args &args);
int run_dgram_send(const DgramSend &cmd, const Globals &g, std::ostream &out);
int run_dgram_recv(const DgramRecv &cmd, const Globals &g, std::ostream &out);
int run_dgram_ping(const DgramPing &cmd, const Globals &g, std::ostream &out);

// Value parsers of the traffic commands (UsageError with the message shown).
DgramAddr parse_dgram_addr(const std::string &s);
uint16_t parse_port(const std::string &s); // 1..65535
uint8_t parse_proto(const std::string &s); // 0..255
uint32_t parse_size(const std::string &s, int family, uint32_t min = 0);
uint32_t parse_interval(const std::string &s, uint32_t min); // ms, min..3600000
uint32_t parse_timeout(const std::string &s);                // "2", "0.5": ms

// --- output ------------------------------------------------------------------

// A command's output through a Printer: text, or one JSON value and a
// newline.
template <typename F>
void print_output(std::ostream &out, const Globals &g, F &&print) {
    kpath::print::Printer p(out, g.json ? kpath::print::Mode::Json : kpath::print::Mode::Text,
                            g.pretty);
    print(p);
    if (g.json)
        out << '\n';
    out.flush();
}

// STATS_GET: "proto 253 port-unreach on", then the IPv4 and IPv6 counters
// under their SNMP names (nstat style); in JSON
// {"proto":253,"port_unreach":true,"ipv4":{"in_datagrams":N,...},"ipv6":{...}}.
void print_ns_stats(kpath::print::Printer &p, const kpath::dgram::NsStats &ns);

// The socket table as `ss -u -a -n` shows UDP's (a header line, then one
// aligned line per socket), or a JSON array of objects. dev_names: the
// names of bound devices that could be resolved.
using DevNames = std::map<uint32_t, std::string>;
void print_sockets(kpath::print::Printer &p, const std::vector<kpath::dgram::Socket> &socks,
                   const DevNames &dev_names);
// "127.0.0.1:5000", "[::1]:5000", "0.0.0.0%eth0:5000", "0.0.0.0:*" (port 0).
std::string format_endpoint(const kpath::dgram::Address &addr, uint16_t port,
                            const std::string &dev = {});

void print_send_summary(kpath::print::Printer &p, const kpath::traffic::SendSummary &s);
void print_recv_summary(kpath::print::Printer &p, const kpath::traffic::RecvSummary &s);
// ping(8)'s closing lines, or one JSON object: {"destination":..., "port":...,
// "transmitted":N, "received":N, "duplicates":N, "bad":N, "errors":N,
// "loss_percent":X, "rtt_min_ms":X, "rtt_avg_ms":X, "rtt_max_ms":X,
// "rtt_mdev_ms":X} (the rtt_* members only when something was received;
// loss_percent as "%g" writes it, the rtt_* with three decimals).
// destination: as the reply lines name it.
void print_ping_summary(kpath::print::Printer &p, const std::string &destination, uint16_t port,
                        const kpath::traffic::PingSummary &s);
// A reply line: "56 bytes from 127.0.0.1: seq=1 time=0.045 ms" (time as
// ping(8) rounds it), "56 bytes from 127.0.0.1: seq=1 (DUP!)", "56 bytes from
// 127.0.0.1: (BAD)".
std::string format_ping_reply(const std::string &from, const kpath::traffic::PingReply &r);

} // namespace kpctl
