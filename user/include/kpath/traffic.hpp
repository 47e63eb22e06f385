// SPDX-License-Identifier: GPL-2.0
// Datagram traffic over the socket API, socket(AF_INET|AF_INET6, SOCK_DGRAM,
// proto): kp_dgram's protocol (253 or 254), or UDP (17) to compare. A
// payload any receiver can check, the sockets, and the send, recv (+echo)
// and ping loops behind "kpctl dgram send|recv|ping".
//
// The loops run on non-blocking sockets the caller opened (open_connected(),
// open_receivers()) until they are done or a stop signal (SIGINT, SIGTERM)
// arrives, and return what they counted; a failed socket call is a
// SocketError.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/socket.h>

#include "kpath/dgram.hpp"
#include "kpath/netns.hpp"
#include "kpath/signals.hpp"

namespace kpath::traffic {

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

// --- addresses and sockets ---------------------------------------------------

// An IPv4 or IPv6 address; an IPv6 one may carry a zone, the device of a
// link-local address by name or ifindex ("fe80::1%eth0", "fe80::1%2").
struct Addr : dgram::Address {
    std::string scope; // after '%', IPv6 only

    // inet_ntop() form, with "%scope" when there is one.
    std::string str() const;
    bool operator==(const Addr &) const = default;
};

// "ADDR", or "ADDR%ZONE" for an IPv6 one; nullopt for anything else. The
// zone is taken as it is (even empty): whether it can name a device is the
// caller's to check.
std::optional<Addr> parse_addr(std::string_view s);

// The zone's ifindex: 0 without a zone, the number when it is one, else the
// ifindex of the device of that name in the current network namespace;
// nullopt when there is no such device.
std::optional<uint32_t> scope_id(const Addr &a);

// A socket address for bind(), connect() and sendto().
struct Endpoint {
    sockaddr_storage ss{};
    socklen_t len = 0;

    int family() const noexcept { return ss.ss_family; }
    const sockaddr *sa() const noexcept { return reinterpret_cast<const sockaddr *>(&ss); }
};
// a's address and port; scope_id (see scope_id()) for an IPv6 one.
Endpoint endpoint(const Addr &a, uint16_t port, uint32_t scope_id = 0);
// The wildcard address of family (0.0.0.0, ::) and port.
Endpoint any_endpoint(int family, uint16_t port);

// A socket call failed: "<call>: <strerror>", and a hint after it when
// there is one.
class SocketError : public std::runtime_error {
public:
    SocketError(const std::string &call, int err, const std::string &hint = {});
    int error() const noexcept { return err_; }

private:
    int err_;
};

// The protocol number of the loaded kp_dgram
// (/sys/module/kp_dgram/parameters/proto), else 253.
uint8_t default_proto();

// The largest payload: 65507 over IPv4, 65527 over IPv6.
uint32_t max_payload(int family);

// A non-blocking datagram socket of proto. For kp_dgram's numbers, a
// kernel without the protocol is hinted at: "socket: Protocol not supported
// (is kp_dgram.ko loaded?)".
Fd open_socket(int family, uint8_t proto);
// One connected to `to`.
Fd open_connected(const Endpoint &to, uint8_t proto);
// Bound to `local`; without it, one on 0.0.0.0 and one on :: (none where
// the kernel has no IPv6), both on `port`. An IPv6 socket is IPv6 only (as
// kp_dgram's are), so that both get the port with UDP too.
std::vector<Fd> open_receivers(const std::optional<Endpoint> &local, uint16_t port, uint8_t proto);

// Errors the kernel reports on a socket, once, by its next send or recv, for
// an ICMP error about an earlier datagram (ECONNREFUSED, EHOSTUNREACH, ...).
bool icmp_error(int err);

// --- send --------------------------------------------------------------------

struct SendOptions {
    uint64_t count = 1;
    uint32_t size = 56;
    uint32_t interval_ms = 0; // 0: as fast as the socket takes them
};
struct SendSummary {
    uint64_t sent = 0;
    uint64_t bytes = 0;
    uint64_t elapsed_us = 0; // first to last send
};
// Sends count payloads (seq 1, 2, ...) on the connected socket, one every
// interval_ms on a schedule from the first. A full send buffer is waited
// out; an ICMP error about an earlier datagram ends it as a SocketError
// ("send: Connection refused").
SendSummary send_loop(const Fd &sock, const SendOptions &o, StopSignals &stop);

// --- recv --------------------------------------------------------------------

struct RecvOptions {
    std::optional<uint64_t> count;      // none: until timeout or a stop signal
    std::optional<uint32_t> timeout_ms; // idle time that ends it
    bool echo = false;                  // send every datagram back
};
struct RecvSummary {
    uint64_t received = 0;
    uint64_t bytes = 0;
    uint64_t bad = 0;               // ours, damaged
    uint64_t unchecked = 0;         // not ours (or too short to tell)
    std::optional<uint64_t> echoed; // with echo only
    uint64_t elapsed_us = 0;        // first to last datagram
};
// Receives on the sockets and checks what comes. An echo that does not fit
// in the send buffer is lost (a ping sees loss), and an ICMP error about
// an echo is ignored (its sender is gone).
RecvSummary recv_loop(std::span<const Fd> socks, const RecvOptions &o, StopSignals &stop);

// --- ping --------------------------------------------------------------------

struct PingOptions {
    std::optional<uint64_t> count; // none: until a stop signal
    uint32_t size = 56;            // at least payload::header_size
    uint32_t interval_ms = 1000;
    uint32_t timeout_ms = 2000; // wait for replies after the last request
};
// A datagram that came back.
struct PingReply {
    enum class Kind {
        Reply,     // the intact echo of an outstanding request
        Duplicate, // of a request already answered (or too old to tell)
        Bad,       // not an intact request of ours
    };
    Kind kind = Kind::Reply;
    size_t bytes = 0;
    uint64_t seq = 0;  // Reply, Duplicate
    double rtt_ms = 0; // Reply
};
// What a ping reports as it goes; either may be empty.
struct PingEvents {
    std::function<void(const PingReply &)> reply;
    // An ICMP error on the socket (errno: ECONNREFUSED, ...).
    std::function<void(int err)> error;
};
struct PingSummary {
    uint64_t transmitted = 0;
    uint64_t received = 0;
    uint64_t duplicates = 0;
    uint64_t bad = 0;    // replies that are not an intact request
    uint64_t errors = 0; // ICMP errors reported by the socket
    // Milliseconds, over the replies received.
    double rtt_min = 0, rtt_avg = 0, rtt_max = 0, rtt_mdev = 0;

    double loss_percent() const;
};
// Sends a request (seq 1, 2, ...) every interval_ms on the connected socket
// and matches the replies, until count requests were sent and then
// timeout_ms passed after the last (or every reply came), or a stop signal.
// A request the socket did not take (a full buffer) counts as transmitted
// and lost.
PingSummary ping_loop(const Fd &sock, const PingOptions &o, const PingEvents &events,
                      StopSignals &stop);

} // namespace kpath::traffic
