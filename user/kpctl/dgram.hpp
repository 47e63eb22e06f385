// SPDX-License-Identifier: GPL-2.0
// kpctl dgram: the commands of the "dgram" object (the kp_dgram transport):
// counters, sockets and configuration over generic netlink, and a traffic
// tool (send, recv, ping) over the ordinary socket API.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "common.hpp"
#include "kpath/dgram.hpp"
#include "kpath/print.hpp"

namespace kpctl {

extern const char *const dgram_usage;

// An IPv4 or IPv6 literal as given on the command line; an IPv6 one may
// carry a zone ("fe80::1%eth0", "fe80::1%2"), resolved when the command runs
// (in the namespace of -n).
struct DgramAddr {
    int family = 0; // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};
    std::string scope; // after '%', IPv6 only

    // inet_ntop() form, with "%scope" when there is one.
    std::string str() const;
    bool operator==(const DgramAddr &) const = default;
};

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

// Value parsers of the traffic commands (UsageError with the message shown).
DgramAddr parse_dgram_addr(const std::string &s);
uint16_t parse_port(const std::string &s); // 1..65535
uint8_t parse_proto(const std::string &s); // 0..255
uint32_t parse_size(const std::string &s, int family, uint32_t min = 0);
uint32_t parse_interval(const std::string &s, uint32_t min); // ms, min..3600000
uint32_t parse_timeout(const std::string &s);                // "2", "0.5": ms

// The largest payload: 65507 over IPv4, 65527 over IPv6.
uint32_t max_payload(int family);

// A socket call failed: "kpctl: <call>: <strerror>" (exit status 2).
class SocketError : public std::runtime_error {
public:
    SocketError(const std::string &call, int err, const std::string &hint = {});
    int error() const noexcept { return err_; }

private:
    int err_;
};

// --- payloads ----------------------------------------------------------------
//
// What send and ping put in a datagram of SIZE bytes with sequence number
// SEQ (1, 2, ...), so that any receiver can check it:
//
//   bytes 0..3    "KPDG"
//   bytes 4..7    SIZE, u32 big endian
//   bytes 8..15   SEQ, u64 big endian
//   byte i >= 16  (i + 7 * SEQ) mod 251
//
// A payload shorter than 16 bytes is the start of that header, and is not
// checked.
namespace payload {

inline constexpr size_t header_size = 16;
inline constexpr std::array<uint8_t, 4> magic = {'K', 'P', 'D', 'G'};

void fill(uint8_t *buf, size_t size, uint64_t seq);

enum class Verdict {
    Good,    // one of ours, intact
    Bad,     // one of ours (the magic) with a wrong size field or pattern
    Foreign, // shorter than the header or without the magic: not checked
};
// seq is set for Good and for a Bad one whose header was whole.
Verdict check(const uint8_t *buf, size_t size, uint64_t *seq = nullptr);

} // namespace payload

// --- output ------------------------------------------------------------------

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

struct SendSummary {
    uint64_t sent = 0;
    uint64_t bytes = 0;
    uint64_t elapsed_us = 0; // first to last send
};
void print_send_summary(kpath::print::Printer &p, const SendSummary &s);

struct RecvSummary {
    uint64_t received = 0;
    uint64_t bytes = 0;
    uint64_t bad = 0;               // ours, damaged
    uint64_t unchecked = 0;         // not ours (or too short to tell)
    std::optional<uint64_t> echoed; // with echo only
    uint64_t elapsed_us = 0;        // first to last datagram
};
void print_recv_summary(kpath::print::Printer &p, const RecvSummary &s);

struct PingSummary {
    std::string destination; // as printed in the reply lines
    uint16_t port = 0;
    uint64_t transmitted = 0;
    uint64_t received = 0;
    uint64_t duplicates = 0;
    uint64_t bad = 0;    // replies that are not an intact request
    uint64_t errors = 0; // ICMP errors reported by the socket
    // Milliseconds, over the replies received.
    double rtt_min = 0, rtt_avg = 0, rtt_max = 0, rtt_mdev = 0;

    double loss_percent() const;
};
// ping(8)'s closing lines, or one JSON object: {"destination":..., "port":...,
// "transmitted":N, "received":N, "duplicates":N, "bad":N, "errors":N,
// "loss_percent":X, "rtt_min_ms":X, "rtt_avg_ms":X, "rtt_max_ms":X,
// "rtt_mdev_ms":X} (the rtt_* members only when something was received).
void print_ping_summary(std::ostream &out, const PingSummary &s, bool json, bool pretty = false);
// "56 bytes from 127.0.0.1: seq=1 time=0.045 ms" (time as ping(8) rounds it).
std::string format_ping_reply(size_t bytes, const std::string &from, uint64_t seq, double rtt_ms);

} // namespace kpctl
