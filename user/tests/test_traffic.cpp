// SPDX-License-Identifier: GPL-2.0
// The datagram traffic engine (kpath/traffic.hpp): the payload pattern,
// addresses and endpoints, and the send, recv and ping loops over UDP on the
// loopback (proto 17: no kp_dgram needed).
#include <gtest/gtest.h>

#include <net/if.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "kpath/traffic.hpp"
#include "udp_peer.hpp"

namespace traffic = kpath::traffic;
namespace payload = kpath::traffic::payload;
using kpath::StopSignals;
using udp_peer::Echo;
using udp_peer::UdpSocket;

// --- payloads ------------------------------------------------------------------------

TEST(TrafficPayload, HeaderAndPattern) {
    const uint64_t seq = 0x0102030405060708ull;
    std::vector<uint8_t> buf(20);
    payload::fill(buf.data(), buf.size(), seq);
    std::vector<uint8_t> expected = {'K', 'P', 'D', 'G', 0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8};
    for (uint64_t i = 16; i < 20; i++)
        expected.push_back(static_cast<uint8_t>((i + 7 * (seq % 251)) % 251));
    EXPECT_EQ(buf, expected);
}

TEST(TrafficPayload, RoundTripAtEverySizeClass) {
    for (size_t size : {size_t{16}, size_t{17}, size_t{300}, size_t{1472}, size_t{65527}}) {
        for (uint64_t seq : {uint64_t{1}, uint64_t{250}, uint64_t{251}, uint64_t{1} << 40}) {
            std::vector<uint8_t> buf(size);
            payload::fill(buf.data(), size, seq);
            uint64_t got = 0;
            EXPECT_EQ(payload::check(buf.data(), size, &got), payload::Verdict::Good)
                    << size << " " << seq;
            EXPECT_EQ(got, seq);
        }
    }
}

TEST(TrafficPayload, DamageIsBadAndOthersAreForeign) {
    using payload::Verdict;
    std::vector<uint8_t> buf(100);
    payload::fill(buf.data(), buf.size(), 7);
    for (size_t i : {size_t{4}, size_t{9}, size_t{16}, size_t{99}}) {
        std::vector<uint8_t> bad = buf;
        bad[i] ^= 0x10;
        EXPECT_EQ(payload::check(bad.data(), bad.size()), Verdict::Bad) << i;
    }
    // Truncated: the size field disagrees.
    EXPECT_EQ(payload::check(buf.data(), 99), Verdict::Bad);
    // Another sequence number's pattern.
    std::vector<uint8_t> other(100);
    payload::fill(other.data(), other.size(), 8);
    std::memcpy(other.data() + 8, buf.data() + 8, 8);
    EXPECT_EQ(payload::check(other.data(), other.size()), Verdict::Bad);
    // Not ours, or too short to tell.
    std::vector<uint8_t> foreign(100, 'x');
    EXPECT_EQ(payload::check(foreign.data(), foreign.size()), Verdict::Foreign);
    std::vector<uint8_t> small(15);
    payload::fill(small.data(), small.size(), 1);
    EXPECT_EQ(std::string(small.begin(), small.begin() + 4), "KPDG");
    EXPECT_EQ(payload::check(small.data(), small.size()), Verdict::Foreign);
    EXPECT_EQ(payload::check(nullptr, 0), Verdict::Foreign);
}

// --- addresses and endpoints ---------------------------------------------------------

TEST(TrafficAddr, ParseAndShow) {
    auto a = traffic::parse_addr("127.0.0.1");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family, AF_INET);
    EXPECT_EQ(a->bytes[0], 127);
    EXPECT_EQ(a->bytes[3], 1);
    EXPECT_EQ(a->str(), "127.0.0.1");

    a = traffic::parse_addr("fe80::1%eth0");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family, AF_INET6);
    EXPECT_EQ(a->scope, "eth0");
    EXPECT_EQ(a->str(), "fe80::1%eth0");
    EXPECT_EQ(traffic::parse_addr("fe80::1%2")->scope, "2");
    EXPECT_EQ(traffic::parse_addr("::ffff:10.0.0.1")->str(), "::ffff:10.0.0.1");

    // The zone is the caller's to check.
    a = traffic::parse_addr("fe80::1%");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->scope, "");
    EXPECT_EQ(a->str(), "fe80::1");

    for (const char *bad :
         {"", "localhost", "10.0.0.256", "10.0.0.1%eth0", "1.2.3", "::1::2", "%eth0", " 10.0.0.1"})
        EXPECT_FALSE(traffic::parse_addr(bad)) << bad;
}

TEST(TrafficAddr, ScopeIds) {
    EXPECT_EQ(traffic::scope_id(*traffic::parse_addr("fe80::1")), 0u);
    EXPECT_EQ(traffic::scope_id(*traffic::parse_addr("fe80::1%7")), 7u);
    EXPECT_EQ(traffic::scope_id(*traffic::parse_addr("fe80::1%lo")), if_nametoindex("lo"));
    EXPECT_FALSE(traffic::scope_id(*traffic::parse_addr("fe80::1%kpt-nosuch0")));
}

TEST(TrafficAddr, Endpoints) {
    traffic::Endpoint e = traffic::endpoint(*traffic::parse_addr("10.1.2.3"), 5000);
    ASSERT_EQ(e.family(), AF_INET);
    ASSERT_EQ(e.len, sizeof(sockaddr_in));
    const auto *sin = reinterpret_cast<const sockaddr_in *>(e.sa());
    EXPECT_EQ(ntohs(sin->sin_port), 5000);
    EXPECT_EQ(ntohl(sin->sin_addr.s_addr), 0x0a010203u);

    e = traffic::endpoint(*traffic::parse_addr("fe80::1%lo"), 7, 42);
    ASSERT_EQ(e.family(), AF_INET6);
    ASSERT_EQ(e.len, sizeof(sockaddr_in6));
    const auto *sin6 = reinterpret_cast<const sockaddr_in6 *>(e.sa());
    EXPECT_EQ(ntohs(sin6->sin6_port), 7);
    EXPECT_EQ(sin6->sin6_scope_id, 42u);
    EXPECT_EQ(sin6->sin6_addr.s6_addr[0], 0xfe);
    EXPECT_EQ(sin6->sin6_addr.s6_addr[15], 1);

    e = traffic::any_endpoint(AF_INET6, 9);
    ASSERT_EQ(e.family(), AF_INET6);
    sin6 = reinterpret_cast<const sockaddr_in6 *>(e.sa());
    EXPECT_EQ(ntohs(sin6->sin6_port), 9);
    EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
    e = traffic::any_endpoint(AF_INET, 9);
    EXPECT_EQ(e.family(), AF_INET);
    EXPECT_EQ(reinterpret_cast<const sockaddr_in *>(e.sa())->sin_addr.s_addr, htonl(INADDR_ANY));
}

// --- sockets ----------------------------------------------------------------------------

TEST(TrafficSocket, ErrorsAndLimits) {
    EXPECT_STREQ(traffic::SocketError("send", ECONNREFUSED).what(), "send: Connection refused");
    const traffic::SocketError e("socket", EPROTONOSUPPORT, "(is kp_dgram.ko loaded?)");
    EXPECT_STREQ(e.what(), "socket: Protocol not supported (is kp_dgram.ko loaded?)");
    EXPECT_EQ(e.error(), EPROTONOSUPPORT);
    // An unknown protocol is named as such, without the hint.
    try {
        traffic::open_socket(AF_INET, 252);
        ADD_FAILURE() << "protocol 252 exists";
    } catch (const traffic::SocketError &ex) {
        EXPECT_EQ(std::string(ex.what()).find("kp_dgram"), std::string::npos) << ex.what();
    }

    EXPECT_EQ(traffic::max_payload(AF_INET), 65507u);
    EXPECT_EQ(traffic::max_payload(AF_INET6), 65527u);
    const uint8_t proto = traffic::default_proto();
    EXPECT_TRUE(proto == 253 || proto == 254) << unsigned{proto};
    for (int err : {ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN, EPROTO})
        EXPECT_TRUE(traffic::icmp_error(err)) << err;
    for (int err : {EAGAIN, ENOBUFS, EINTR, EMSGSIZE})
        EXPECT_FALSE(traffic::icmp_error(err)) << err;
}

namespace {

uint16_t local_port(const kpath::Fd &fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    EXPECT_EQ(getsockname(fd.get(), reinterpret_cast<sockaddr *>(&ss), &len), 0);
    return ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
                                          : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
}

traffic::Endpoint loopback(uint16_t port) {
    return traffic::endpoint(*traffic::parse_addr("127.0.0.1"), port);
}

bool have_ipv6() {
    const int fd = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

} // namespace

TEST(TrafficSocket, ReceiversOnTheWildcardAddresses) {
    UdpSocket probe; // a free port
    const uint16_t port = probe.port;
    close(probe.fd);
    probe.fd = -1;
    const std::vector<kpath::Fd> fds = traffic::open_receivers(std::nullopt, port, IPPROTO_UDP);
    ASSERT_EQ(fds.size(), have_ipv6() ? 2u : 1u);
    for (const auto &fd : fds)
        EXPECT_EQ(local_port(fd), port);
    // The port is taken, for both families.
    EXPECT_THROW(traffic::open_receivers(loopback(port), port, IPPROTO_UDP), traffic::SocketError);
}

// --- the loops --------------------------------------------------------------------------

TEST(TrafficLoops, SendCarriesCheckablePayloads) {
    UdpSocket rx;
    const kpath::Fd sock = traffic::open_connected(loopback(rx.port), IPPROTO_UDP);
    StopSignals stop;
    const auto sum = traffic::send_loop(sock, {3, 300, 1}, stop);
    EXPECT_EQ(sum.sent, 3u);
    EXPECT_EQ(sum.bytes, 900u);
    EXPECT_GE(sum.elapsed_us, 2000u); // on a 1 ms schedule
    for (uint64_t seq = 1; seq <= 3; seq++) {
        auto d = rx.recv();
        ASSERT_TRUE(d);
        uint64_t got = 0;
        EXPECT_EQ(payload::check(d->data(), d->size(), &got), payload::Verdict::Good);
        EXPECT_EQ(got, seq);
    }
}

TEST(TrafficLoops, StopSignalEndsSend) {
    UdpSocket rx;
    const kpath::Fd sock = traffic::open_connected(loopback(rx.port), IPPROTO_UDP);
    {
        // As fast as it goes, a stop is looked for every 64 datagrams.
        StopSignals stop;
        ASSERT_EQ(raise(SIGTERM), 0);
        EXPECT_EQ(traffic::send_loop(sock, {1000000, 0, 0}, stop).sent, 63u);
    }
    {
        // On a schedule, between two.
        StopSignals stop;
        ASSERT_EQ(raise(SIGTERM), 0);
        EXPECT_EQ(traffic::send_loop(sock, {1000000, 0, 1000}, stop).sent, 1u);
    }
}

TEST(TrafficLoops, RecvChecksAndEchoes) {
    const std::vector<kpath::Fd> fds = traffic::open_receivers(loopback(0), 0, IPPROTO_UDP);
    ASSERT_EQ(fds.size(), 1u);
    const uint16_t port = local_port(fds[0]);

    // Queued before the loop runs: a good, a damaged and a foreign datagram.
    UdpSocket peer;
    std::vector<uint8_t> good(100), bad(100), foreign(20, 'x');
    payload::fill(good.data(), good.size(), 1);
    payload::fill(bad.data(), bad.size(), 2);
    bad[50] ^= 1;
    for (const auto *d : {&good, &bad, &foreign})
        peer.send_to(port, *d);

    StopSignals stop;
    const auto sum = traffic::recv_loop(fds, {3, 5000, true}, stop);
    EXPECT_EQ(sum.received, 3u);
    EXPECT_EQ(sum.bytes, 220u);
    EXPECT_EQ(sum.bad, 1u);
    EXPECT_EQ(sum.unchecked, 1u);
    EXPECT_EQ(sum.echoed, 3u);
    for (const auto *d : {&good, &bad, &foreign})
        EXPECT_EQ(peer.recv(), *d);
}

TEST(TrafficLoops, RecvEndsWhenIdleOrStopped) {
    const std::vector<kpath::Fd> fds = traffic::open_receivers(loopback(0), 0, IPPROTO_UDP);
    StopSignals stop;
    const auto start = std::chrono::steady_clock::now();
    auto sum = traffic::recv_loop(fds, {std::nullopt, 50, false}, stop);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
    EXPECT_EQ(sum.received, 0u);
    EXPECT_EQ(sum.elapsed_us, 0u);
    EXPECT_FALSE(sum.echoed);

    ASSERT_EQ(raise(SIGTERM), 0);
    sum = traffic::recv_loop(fds, {}, stop); // no count, no timeout
    EXPECT_EQ(sum.received, 0u);
}

namespace {

struct PingRun {
    traffic::PingSummary sum;
    std::vector<traffic::PingReply> replies;
    std::vector<int> errors;
};

PingRun ping(uint16_t port, const traffic::PingOptions &o) {
    PingRun run;
    const kpath::Fd sock = traffic::open_connected(loopback(port), IPPROTO_UDP);
    StopSignals stop;
    traffic::PingEvents events;
    events.reply = [&](const traffic::PingReply &r) {
        run.replies.push_back(r);
    };
    events.error = [&](int err) {
        run.errors.push_back(err);
    };
    run.sum = traffic::ping_loop(sock, o, events, stop);
    return run;
}

} // namespace

TEST(TrafficLoops, PingAnEchoServer) {
    Echo echo;
    const PingRun run = ping(echo.port(), {3, 100, 5, 2000});
    EXPECT_EQ(run.sum.transmitted, 3u);
    EXPECT_EQ(run.sum.received, 3u);
    EXPECT_EQ(run.sum.duplicates + run.sum.bad + run.sum.errors, 0u);
    EXPECT_EQ(run.sum.loss_percent(), 0);
    EXPECT_LE(run.sum.rtt_min, run.sum.rtt_avg);
    EXPECT_LE(run.sum.rtt_avg, run.sum.rtt_max);
    EXPECT_GT(run.sum.rtt_max, 0);
    EXPECT_GE(run.sum.rtt_mdev, 0);
    ASSERT_EQ(run.replies.size(), 3u);
    for (uint64_t i = 0; i < 3; i++) {
        EXPECT_EQ(run.replies[i].kind, traffic::PingReply::Kind::Reply);
        EXPECT_EQ(run.replies[i].seq, i + 1);
        EXPECT_EQ(run.replies[i].bytes, 100u);
    }
    EXPECT_TRUE(run.errors.empty());
}

TEST(TrafficLoops, PingSeesDuplicatesAndDamage) {
    {
        Echo twice(2);
        const PingRun run = ping(twice.port(), {2, 16, 20, 2000});
        EXPECT_EQ(run.sum.received, 2u);
        EXPECT_GE(run.sum.duplicates, 1u); // the last one may come after the end
        ASSERT_GE(run.replies.size(), 2u);
        EXPECT_EQ(run.replies[0].kind, traffic::PingReply::Kind::Reply);
        EXPECT_EQ(run.replies[1].kind, traffic::PingReply::Kind::Duplicate);
        EXPECT_EQ(run.replies[1].seq, 1u);
    }
    {
        Echo damaging(1, true);
        const PingRun run = ping(damaging.port(), {2, 64, 1, 100});
        EXPECT_EQ(run.sum.transmitted, 2u);
        EXPECT_EQ(run.sum.received, 0u);
        EXPECT_EQ(run.sum.bad, 2u);
        EXPECT_EQ(run.sum.loss_percent(), 100);
        ASSERT_EQ(run.replies.size(), 2u);
        for (const auto &r : run.replies) {
            EXPECT_EQ(r.kind, traffic::PingReply::Kind::Bad);
            EXPECT_EQ(r.bytes, 64u);
        }
    }
}

TEST(TrafficLoops, PingReportsIcmpErrors) {
    uint16_t port;
    {
        UdpSocket gone;
        port = gone.port;
    }
    const PingRun run = ping(port, {2, 16, 10, 200});
    EXPECT_EQ(run.sum.transmitted, 2u);
    EXPECT_EQ(run.sum.received, 0u);
    EXPECT_GE(run.sum.errors, 1u);
    EXPECT_EQ(run.errors.size(), run.sum.errors);
    for (int e : run.errors)
        EXPECT_EQ(e, ECONNREFUSED);
    EXPECT_TRUE(run.replies.empty());
}

TEST(TrafficLoops, StopSignalEndsPing) {
    Echo echo;
    const kpath::Fd sock = traffic::open_connected(loopback(echo.port()), IPPROTO_UDP);
    StopSignals stop;
    ASSERT_EQ(raise(SIGTERM), 0);
    // No count: until the signal, taken by the first wait after a request.
    const auto sum = traffic::ping_loop(sock, {std::nullopt, 56, 1000, 2000}, {}, stop);
    EXPECT_EQ(sum.transmitted, 1u);
    EXPECT_TRUE(stop.stopped());
}

TEST(TrafficLoops, PingLoss) {
    traffic::PingSummary s;
    EXPECT_EQ(s.loss_percent(), 0);
    s.transmitted = 4;
    s.received = 1;
    EXPECT_EQ(s.loss_percent(), 75);
    s.received = 5; // never below 0
    EXPECT_EQ(s.loss_percent(), 0);
}
