// SPDX-License-Identifier: GPL-2.0
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "kpath/traffic.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>

#include "kpath/parse.hpp"

namespace kpath::traffic {

// --- payloads ----------------------------------------------------------------

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

// --- addresses and sockets ---------------------------------------------------

std::string Addr::str() const {
    const std::string s = Address::str();
    return scope.empty() ? s : s + "%" + scope;
}

std::optional<Addr> parse_addr(std::string_view s) {
    Addr a;
    const size_t pct = s.find('%');
    const std::string host(s.substr(0, pct));
    if (inet_pton(AF_INET, host.c_str(), a.bytes.data()) == 1 && pct == std::string_view::npos) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, host.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        if (pct != std::string_view::npos)
            a.scope = s.substr(pct + 1);
        return a;
    }
    return std::nullopt;
}

std::optional<uint32_t> scope_id(const Addr &a) {
    if (a.scope.empty())
        return 0;
    if (auto n = parse::unsigned_int(a.scope, 1, UINT32_MAX))
        return static_cast<uint32_t>(*n);
    if (const unsigned idx = if_nametoindex(a.scope.c_str()))
        return idx;
    return std::nullopt;
}

namespace {

Endpoint make_endpoint(int family, const uint8_t *bytes, uint16_t port, uint32_t scope_id) {
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
        sin6->sin6_scope_id = scope_id;
        e.len = sizeof(*sin6);
    }
    return e;
}

} // namespace

Endpoint endpoint(const Addr &a, uint16_t port, uint32_t scope_id) {
    return make_endpoint(a.family, a.bytes.data(), port, scope_id);
}

Endpoint any_endpoint(int family, uint16_t port) {
    const uint8_t any[16] = {};
    return make_endpoint(family, any, port, 0);
}

SocketError::SocketError(const std::string &call, int err, const std::string &hint)
    : std::runtime_error(call + ": " + std::strerror(err) + (hint.empty() ? "" : " " + hint)),
      err_(err) {}

uint8_t default_proto() {
    std::ifstream f("/sys/module/kp_dgram/parameters/proto");
    std::string s;
    if (f >> s) {
        if (auto v = parse::unsigned_int(s, 0, 255))
            return static_cast<uint8_t>(*v);
    }
    return KP_DGRAM_PROTO_DEFAULT;
}

uint32_t max_payload(int family) {
    // 65535 - 8, less the IPv4 header over IPv4 (IPv6's is outside its
    // payload length).
    return family == AF_INET6 ? KP_DGRAM_MAX_PAYLOAD6 : KP_DGRAM_MAX_PAYLOAD;
}

Fd open_socket(int family, uint8_t proto) {
    Fd fd(socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
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

Fd open_connected(const Endpoint &to, uint8_t proto) {
    Fd fd = open_socket(to.family(), proto);
    if (connect(fd.get(), to.sa(), to.len) < 0)
        throw SocketError("connect", errno);
    return fd;
}

std::vector<Fd> open_receivers(const std::optional<Endpoint> &local, uint16_t port, uint8_t proto) {
    std::vector<Fd> fds;
    auto bind_one = [&](const Endpoint &e, bool optional) {
        Fd fd;
        try {
            fd = open_socket(e.family(), proto);
        } catch (const SocketError &ex) {
            if (optional && ex.error() == EAFNOSUPPORT)
                return; // no IPv6 here
            throw;
        }
        if (e.family() == AF_INET6) {
            int one = 1;
            (void)setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        if (bind(fd.get(), e.sa(), e.len) < 0)
            throw SocketError("bind", errno);
        fds.push_back(std::move(fd));
    };
    if (local) {
        bind_one(*local, false);
    } else {
        bind_one(any_endpoint(AF_INET, port), false);
        bind_one(any_endpoint(AF_INET6, port), true);
    }
    return fds;
}

bool icmp_error(int e) {
    return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN ||
           e == ENETDOWN || e == EPROTO;
}

// --- the loops ---------------------------------------------------------------

namespace {

using Clock = StopSignals::Clock;
using Result = StopSignals::Result;

uint64_t micros(Clock::duration d) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

double millis(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// Until fd has `events` or the deadline passed (true), or a stop signal
// came (false). The caller tries its non-blocking calls again.
bool wait_ready(StopSignals &stop, int fd, short events,
                std::optional<Clock::time_point> deadline) {
    pollfd pfd = {fd, events, 0};
    return stop.wait(std::span(&pfd, 1), deadline) != Result::Stop;
}

// Until the time comes (true), or a stop signal (false).
bool sleep_until(StopSignals &stop, Clock::time_point when) {
    return stop.wait({}, when) != Result::Stop;
}

// One send() of a datagram the socket must take: a full send buffer (or
// qdisc) is waited out. False when a stop signal came first.
bool send_one(const Fd &sock, const std::vector<uint8_t> &buf, size_t size, StopSignals &stop) {
    for (;;) {
        if (::send(sock.get(), buf.data(), size, 0) >= 0)
            return true;
        if (errno == EINTR)
            continue;
        bool go_on;
        if (errno == ENOBUFS) // dropped by the qdisc: nothing to poll for, try again soon
            go_on = sleep_until(stop, Clock::now() + std::chrono::milliseconds(1));
        else if (errno == EAGAIN || errno == EWOULDBLOCK) // the send buffer is full
            go_on = wait_ready(stop, sock.get(), POLLOUT, std::nullopt);
        else
            throw SocketError("send", errno);
        if (!go_on)
            return false;
    }
}

} // namespace

SendSummary send_loop(const Fd &sock, const SendOptions &o, StopSignals &stop) {
    std::vector<uint8_t> buf(std::max<size_t>(o.size, 1));
    SendSummary sum;
    const auto start = Clock::now();
    auto last = start;

    for (uint64_t seq = 1; seq <= o.count; seq++) {
        if (o.interval_ms && seq > 1) {
            // On a fixed schedule from the start: no drift.
            const auto due = start + std::chrono::milliseconds(o.interval_ms) *
                                             static_cast<int64_t>(seq - 1);
            if (!sleep_until(stop, due))
                break;
        } else if (seq % 64 == 0 && stop.stop_requested()) {
            break;
        }
        payload::fill(buf.data(), o.size, seq);
        if (!send_one(sock, buf, o.size, stop))
            break;
        last = Clock::now();
        sum.sent++;
        sum.bytes += o.size;
    }
    sum.elapsed_us = micros(last - start);
    return sum;
}

RecvSummary recv_loop(std::span<const Fd> socks, const RecvOptions &o, StopSignals &stop) {
    std::vector<pollfd> pfds;
    for (const auto &fd : socks)
        pfds.push_back({fd.get(), POLLIN, 0});

    RecvSummary sum;
    if (o.echo)
        sum.echoed = 0;
    std::vector<uint8_t> buf(65536);
    std::optional<Clock::time_point> first, last;
    auto idle_since = Clock::now();
    const auto timeout = std::chrono::milliseconds(o.timeout_ms.value_or(0));
    auto done = [&] {
        return o.count && sum.received >= *o.count;
    };

    while (!done()) {
        std::optional<Clock::time_point> due;
        if (o.timeout_ms) {
            due = idle_since + timeout;
            if (Clock::now() >= *due)
                break;
        }
        if (stop.wait(pfds, due) == Result::Stop)
            break;
        for (const auto &fd : socks) {
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
                if (o.echo) {
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
    return sum;
}

double PingSummary::loss_percent() const {
    if (!transmitted || received >= transmitted)
        return 0;
    return static_cast<double>(transmitted - received) * 100.0 / static_cast<double>(transmitted);
}

PingSummary ping_loop(const Fd &sock, const PingOptions &o, const PingEvents &events,
                      StopSignals &stop) {
    PingSummary sum;
    std::vector<uint8_t> req(o.size), reply(65536);
    std::map<uint64_t, Clock::time_point> outstanding; // seq -> sent at
    constexpr size_t max_outstanding = 1 << 16;
    uint64_t seq = 0;
    double sum_ms = 0, sum2_ms = 0;
    const auto interval = std::chrono::milliseconds(o.interval_ms);
    const auto timeout = std::chrono::milliseconds(o.timeout_ms);
    auto next_send = Clock::now();
    auto last_send = next_send;

    auto report_error = [&](int e) {
        sum.errors++;
        if (events.error)
            events.error(e);
    };
    auto report = [&](const PingReply &r) {
        if (events.reply)
            events.reply(r);
    };

    for (;;) {
        const auto now = Clock::now();
        const bool more = !o.count || seq < *o.count;
        if (more && now >= next_send) {
            payload::fill(req.data(), req.size(), seq + 1);
            // One retry: an ICMP error the send reports is about an earlier
            // datagram, this one was not sent.
            bool sent = false;
            for (int attempt = 0; attempt < 2 && !sent; attempt++) {
                if (::send(sock.get(), req.data(), req.size(), 0) >= 0) {
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
        Clock::time_point due;
        if (more) {
            due = next_send;
        } else {
            if (outstanding.empty() || now >= last_send + timeout)
                break;
            due = last_send + timeout;
        }
        if (!wait_ready(stop, sock.get(), POLLIN, due))
            break;

        for (;;) {
            const ssize_t n = recv(sock.get(), reply.data(), reply.size(), 0);
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
            PingReply r;
            r.bytes = static_cast<size_t>(n);
            const auto verdict = payload::check(reply.data(), r.bytes, &r.seq);
            if (verdict != payload::Verdict::Good || r.bytes != req.size() || r.seq == 0 ||
                r.seq > seq) {
                sum.bad++;
                r.kind = PingReply::Kind::Bad;
                r.seq = 0;
            } else if (auto it = outstanding.find(r.seq); it != outstanding.end()) {
                r.rtt_ms = millis(at - it->second);
                outstanding.erase(it);
                if (!sum.received || r.rtt_ms < sum.rtt_min)
                    sum.rtt_min = r.rtt_ms;
                sum.rtt_max = std::max(sum.rtt_max, r.rtt_ms);
                sum.received++;
                sum_ms += r.rtt_ms;
                sum2_ms += r.rtt_ms * r.rtt_ms;
            } else {
                sum.duplicates++;
                r.kind = PingReply::Kind::Duplicate;
            }
            report(r);
        }
    }

    if (sum.received) {
        const double n = static_cast<double>(sum.received);
        sum.rtt_avg = sum_ms / n;
        sum.rtt_mdev = std::sqrt(std::max(0.0, sum2_ms / n - sum.rtt_avg * sum.rtt_avg));
    }
    return sum;
}

} // namespace kpath::traffic
