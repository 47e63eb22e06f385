// SPDX-License-Identifier: GPL-2.0
// kpctl dgram: the command line (help, usage errors, parse results), the
// output of every command in text and JSON, and the traffic commands over
// UDP on the loopback (proto 17: no kp_dgram needed). The traffic engine
// itself: test_traffic.cpp.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "dgram.hpp"
#include "kpctl_run.hpp"
#include "udp_peer.hpp"

namespace dgram = kpath::dgram;
namespace traffic = kpath::traffic;
namespace payload = kpath::traffic::payload;
using kpath::print::Mode;
using kpath::print::Printer;
using kpctl_test::first_line;
using kpctl_test::kpctl_run;
using kpctl_test::Result;
using udp_peer::Echo;
using udp_peer::UdpSocket;

namespace {

kpctl::DgramCmd parse(std::vector<std::string> words) {
    kpctl::Args args(std::move(words));
    return kpctl::parse_dgram(args);
}

} // namespace

// --- help ------------------------------------------------------------------------

TEST(DgramHelp, ObjectAndMainUsage) {
    for (const char *h : {"help", "-h", "--help"}) {
        Result r = kpctl_run({"dgram", h});
        EXPECT_EQ(r.rc, 0);
        EXPECT_EQ(r.out, kpctl::dgram_usage);
        EXPECT_EQ(r.err, "");
    }
    EXPECT_NE(std::string(kpctl::main_usage).find("OBJECT := { loop | dgram | nic | monitor }"),
              std::string::npos);
}

TEST(DgramHelp, EveryCommand) {
    struct Case {
        std::vector<const char *> args;
        const char *first;
    };
    const char *send =
            "Usage: kpctl dgram send ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]";
    const char *recv = "Usage: kpctl dgram recv [ ADDR ] PORT [ count N ] [ timeout SEC ] [ echo ]";
    const char *ping =
            "Usage: kpctl dgram ping ADDR PORT [ count N ] [ size BYTES ] [ interval MS ]";
    const Case cases[] = {
            {{"dgram", "stats", "help"}, "Usage: kpctl dgram stats"},
            {{"dgram", "sockets", "--help"}, "Usage: kpctl dgram sockets"},
            {{"dgram", "show", "-h"}, "Usage: kpctl dgram sockets"},
            {{"dgram", "set", "help"}, "Usage: kpctl dgram set port-unreach { on | off }"},
            {{"dgram", "set", "port-unreach", "on", "help"},
             "Usage: kpctl dgram set port-unreach { on | off }"},
            {{"dgram", "send", "help"}, send},
            {{"dgram", "send", "127.0.0.1", "help"}, send},
            {{"dgram", "send", "::1", "9", "count", "3", "--help"}, send},
            {{"dgram", "recv", "help"}, recv},
            {{"dgram", "recv", "9", "help"}, recv},
            {{"dgram", "recv", "::", "help"}, recv},
            {{"dgram", "ping", "-h"}, ping},
            {{"dgram", "ping", "10.0.0.1", "7", "help"}, ping},
    };
    for (const auto &c : cases) {
        Result r = kpctl_run(c.args);
        EXPECT_EQ(r.rc, 0) << c.first;
        EXPECT_EQ(first_line(r.out), c.first);
        EXPECT_EQ(r.err, "");
    }
}

// --- usage errors: exact messages, exit status 1 ----------------------------------

TEST(DgramUsage, BadTokensAreNamed) {
    struct Case {
        std::vector<const char *> args;
        const char *err;
    };
    const Case cases[] = {
            {{"dgram", "frob"},
             "kpctl: unknown dgram command \"frob\"; try \"kpctl dgram help\"\n"},
            {{"dgram", "stats", "ipv4"}, "kpctl: dgram stats: unknown argument \"ipv4\"\n"},
            {{"dgram", "sockets", "-a"}, "kpctl: dgram sockets: unknown argument \"-a\"\n"},
            {{"dgram", "set"}, "kpctl: dgram set: nothing to change; expected port-unreach\n"},
            {{"dgram", "set", "port-unreach"},
             "kpctl: dgram set: missing value for \"port-unreach\"\n"},
            {{"dgram", "set", "port-unreach", "yes"},
             "kpctl: invalid port-unreach \"yes\": expected \"on\" or \"off\"\n"},
            {{"dgram", "set", "port-unreach", "on", "port-unreach", "off"},
             "kpctl: dgram set: duplicate \"port-unreach\"\n"},
            {{"dgram", "set", "proto", "254"}, "kpctl: dgram set: unknown argument \"proto\"\n"},
            {{"dgram", "send"}, "kpctl: dgram send: missing ADDR\n"},
            {{"dgram", "send", "127.0.0.1"}, "kpctl: dgram send: missing PORT\n"},
            {{"dgram", "send", "localhost", "9"},
             "kpctl: invalid address \"localhost\": expected an IPv4 or IPv6 address\n"},
            {{"dgram", "send", "10.0.0.256", "9"},
             "kpctl: invalid address \"10.0.0.256\": expected an IPv4 or IPv6 address\n"},
            {{"dgram", "send", "10.0.0.1%eth0", "9"},
             "kpctl: invalid address \"10.0.0.1%eth0\": expected an IPv4 or IPv6 address\n"},
            {{"dgram", "send", "fe80::1%", "9"},
             "kpctl: invalid address \"fe80::1%\": bad zone \"\"\n"},
            {{"dgram", "send", "127.0.0.1", "0"}, "kpctl: invalid port \"0\": expected 1..65535\n"},
            {{"dgram", "send", "127.0.0.1", "65536"},
             "kpctl: invalid port \"65536\": expected 1..65535\n"},
            {{"dgram", "send", "127.0.0.1", "9", "size", "65508"},
             "kpctl: invalid size \"65508\": expected 0..65507 bytes over IPv4\n"},
            {{"dgram", "send", "::1", "9", "size", "65528"},
             "kpctl: invalid size \"65528\": expected 0..65527 bytes over IPv6\n"},
            {{"dgram", "send", "::1", "9", "count", "0"},
             "kpctl: invalid count \"0\": expected a positive integer\n"},
            {{"dgram", "send", "::1", "9", "count", "1", "count", "2"},
             "kpctl: dgram send: duplicate \"count\"\n"},
            {{"dgram", "send", "::1", "9", "interval", "1s"},
             "kpctl: invalid interval \"1s\": expected 0..3600000 milliseconds\n"},
            {{"dgram", "send", "::1", "9", "proto", "256"},
             "kpctl: invalid proto \"256\": expected 0..255\n"},
            {{"dgram", "send", "::1", "9", "echo"},
             "kpctl: dgram send: unknown argument \"echo\"\n"},
            {{"dgram", "send", "::1", "9", "timeout", "1"},
             "kpctl: dgram send: unknown argument \"timeout\"\n"},
            {{"dgram", "send", "::1", "9", "size"},
             "kpctl: dgram send: missing value for \"size\"\n"},
            {{"dgram", "recv"}, "kpctl: dgram recv: missing PORT\n"},
            {{"dgram", "recv", "0.0.0.0"}, "kpctl: dgram recv: missing PORT\n"},
            {{"dgram", "recv", "x"}, "kpctl: invalid port \"x\": expected 1..65535\n"},
            {{"dgram", "recv", "9", "timeout", "0"},
             "kpctl: invalid timeout \"0\": expected seconds, 0.001..86400 (up to 3 decimals)\n"},
            {{"dgram", "recv", "9", "timeout", "1.2345"},
             "kpctl: invalid timeout \"1.2345\": expected seconds, 0.001..86400 (up to 3 "
             "decimals)\n"},
            {{"dgram", "recv", "9", "timeout", "86401"},
             "kpctl: invalid timeout \"86401\": expected seconds, 0.001..86400 (up to 3 "
             "decimals)\n"},
            {{"dgram", "recv", "9", "echo", "echo"}, "kpctl: dgram recv: duplicate \"echo\"\n"},
            {{"dgram", "recv", "9", "size", "10"},
             "kpctl: dgram recv: unknown argument \"size\"\n"},
            {{"dgram", "recv", "9", "interval", "10"},
             "kpctl: dgram recv: unknown argument \"interval\"\n"},
            {{"dgram", "ping", "127.0.0.1"}, "kpctl: dgram ping: missing PORT\n"},
            {{"dgram", "ping", "127.0.0.1", "7", "size", "15"},
             "kpctl: invalid size \"15\": expected 16..65507 bytes over IPv4\n"},
            {{"dgram", "ping", "127.0.0.1", "7", "interval", "0"},
             "kpctl: invalid interval \"0\": expected 1..3600000 milliseconds\n"},
            {{"dgram", "ping", "127.0.0.1", "7", "echo"},
             "kpctl: dgram ping: unknown argument \"echo\"\n"},
    };
    for (const auto &c : cases) {
        Result r = kpctl_run(c.args);
        EXPECT_EQ(r.rc, 1) << c.err;
        EXPECT_EQ(r.err, c.err);
        EXPECT_EQ(r.out, "");
    }
}

TEST(DgramUsage, UsageErrorsWinOverTheNetns) {
    Result r = kpctl_run({"-n", "kpath-test-no-such-ns", "dgram", "send", "::1", "0"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "kpctl: invalid port \"0\": expected 1..65535\n");
    r = kpctl_run({"-n", "kpath-test-no-such-ns", "dgram", "stats"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(
            r.err,
            "Cannot open network namespace \"kpath-test-no-such-ns\": No such file or directory\n");
}

TEST(DgramUsage, UnknownZoneUsesIproute2Wording) {
    Result r = kpctl_run({"dgram", "send", "fe80::1%kpt-nosuch0", "9", "proto", "17"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Cannot find device \"kpt-nosuch0\"\n");
}

// --- parse results -------------------------------------------------------------------

TEST(DgramCliParse, DefaultsAndAliases) {
    EXPECT_TRUE(std::holds_alternative<kpctl::DgramSockets>(parse({}))); // like "ss"
    for (const char *w : {"sockets", "show", "list", "ls"})
        EXPECT_TRUE(std::holds_alternative<kpctl::DgramSockets>(parse({w}))) << w;
    for (const char *w : {"stats", "statistics"})
        EXPECT_TRUE(std::holds_alternative<kpctl::DgramStats>(parse({w}))) << w;
    auto cmd = parse({"set", "port-unreach", "off"});
    ASSERT_TRUE(std::holds_alternative<kpctl::DgramSet>(cmd));
    EXPECT_FALSE(std::get<kpctl::DgramSet>(cmd).port_unreach);
    cmd = parse({"set", "port-unreach", "on"});
    EXPECT_TRUE(std::get<kpctl::DgramSet>(cmd).port_unreach);
}

TEST(DgramCliParse, Send) {
    auto cmd = parse({"send", "127.0.0.1", "5000"});
    auto *s = std::get_if<kpctl::DgramSend>(&cmd);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->addr.family, AF_INET);
    EXPECT_EQ(s->addr.str(), "127.0.0.1");
    EXPECT_EQ(s->port, 5000);
    EXPECT_EQ(s->count, 1u);
    EXPECT_EQ(s->size, 56u);
    EXPECT_EQ(s->interval_ms, 0u);
    EXPECT_FALSE(s->proto);

    cmd = parse({"send", "::1", "9", "proto", "17", "interval", "10", "size", "65527", "count",
                 "1000000"});
    s = std::get_if<kpctl::DgramSend>(&cmd);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->addr.family, AF_INET6);
    EXPECT_EQ(s->addr.str(), "::1");
    EXPECT_EQ(s->count, 1000000u);
    EXPECT_EQ(s->size, 65527u);
    EXPECT_EQ(s->interval_ms, 10u);
    EXPECT_EQ(s->proto, 17);

    cmd = parse({"send", "fe80::1%eth0", "9", "size", "0"});
    s = std::get_if<kpctl::DgramSend>(&cmd);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->addr.scope, "eth0");
    EXPECT_EQ(s->addr.str(), "fe80::1%eth0");
    EXPECT_EQ(s->size, 0u);
}

TEST(DgramCliParse, RecvWithAndWithoutAddress) {
    auto cmd = parse({"recv", "5000"});
    auto *r = std::get_if<kpctl::DgramRecv>(&cmd);
    ASSERT_NE(r, nullptr);
    EXPECT_FALSE(r->addr);
    EXPECT_EQ(r->port, 5000);
    EXPECT_FALSE(r->count);
    EXPECT_FALSE(r->timeout_ms);
    EXPECT_FALSE(r->echo);
    EXPECT_FALSE(r->proto);

    cmd = parse({"recv", "::", "7", "echo", "timeout", "0.25", "count", "3", "proto", "254"});
    r = std::get_if<kpctl::DgramRecv>(&cmd);
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(r->addr);
    EXPECT_EQ(r->addr->family, AF_INET6);
    EXPECT_EQ(r->port, 7);
    EXPECT_EQ(r->count, 3u);
    EXPECT_EQ(r->timeout_ms, 250u);
    EXPECT_TRUE(r->echo);
    EXPECT_EQ(r->proto, 254);
}

TEST(DgramCliParse, PingDefaults) {
    auto cmd = parse({"ping", "10.1.2.3", "7"});
    auto *p = std::get_if<kpctl::DgramPing>(&cmd);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->addr.str(), "10.1.2.3");
    EXPECT_FALSE(p->count);
    EXPECT_EQ(p->size, 56u);
    EXPECT_EQ(p->interval_ms, 1000u);
    EXPECT_EQ(p->timeout_ms, 2000u);

    cmd = parse(
            {"ping", "10.1.2.3", "7", "count", "5", "size", "16", "interval", "1", "timeout", "3"});
    p = std::get_if<kpctl::DgramPing>(&cmd);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->count, 5u);
    EXPECT_EQ(p->size, 16u);
    EXPECT_EQ(p->interval_ms, 1u);
    EXPECT_EQ(p->timeout_ms, 3000u);
}

TEST(DgramCliParse, Timeouts) {
    EXPECT_EQ(kpctl::parse_timeout("1"), 1000u);
    EXPECT_EQ(kpctl::parse_timeout("0.001"), 1u);
    EXPECT_EQ(kpctl::parse_timeout(".5"), 500u);
    EXPECT_EQ(kpctl::parse_timeout("2.05"), 2050u);
    EXPECT_EQ(kpctl::parse_timeout("86400"), 86400000u);
    for (const char *bad : {"", ".", "1.", "-1", "1e3", "0.0001", "0.000", "1,5", "a"})
        EXPECT_THROW(kpctl::parse_timeout(bad), kpctl::UsageError) << bad;
}

// --- output --------------------------------------------------------------------------

namespace {

dgram::NsStats sample_stats() {
    dgram::NsStats ns;
    ns.proto = 253;
    ns.port_unreach = true;
    dgram::Stats v4;
    v4.in_datagrams = 10;
    v4.no_ports = 2;
    v4.in_errors = 3;
    v4.in_csum_errors = 1;
    v4.rcvbuf_errors = 4;
    v4.out_datagrams = 12345678901ull;
    v4.sndbuf_errors = 0;
    ns.ipv4 = v4;
    ns.ipv6 = dgram::Stats{};
    return ns;
}

template <typename F>
std::string printed(Mode mode, F &&print, bool pretty = false) {
    std::ostringstream os;
    Printer p(os, mode, pretty);
    print(p);
    return os.str();
}

dgram::Address addr(int family, const char *text) {
    dgram::Address a;
    a.family = static_cast<uint16_t>(family);
    EXPECT_EQ(inet_pton(family, text, a.bytes.data()), 1);
    return a;
}

std::vector<dgram::Socket> sample_sockets() {
    dgram::Socket a;
    a.family = AF_INET;
    a.local_addr = addr(AF_INET, "0.0.0.0");
    a.local_port = 5000;
    a.rx_queue = 768;
    a.uid = 0;
    a.inode = 4242;

    dgram::Socket b;
    b.family = AF_INET6;
    b.local_addr = addr(AF_INET6, "::1");
    b.local_port = 40000;
    b.remote_addr = addr(AF_INET6, "::1");
    b.remote_port = 5000;
    b.bound_ifindex = 1;
    b.tx_queue = 1;
    b.drops = 2;
    b.uid = 65534;
    b.inode = 4243;

    dgram::Socket c; // bound to a device we cannot name, not bound to a port
    c.family = AF_INET;
    c.local_addr = addr(AF_INET, "0.0.0.0");
    c.bound_ifindex = 77;
    c.inode = 1;
    return {a, b, c};
}

} // namespace

TEST(DgramOutput, StatsJsonExactly) {
    EXPECT_EQ(printed(Mode::Json, [](Printer &p) { kpctl::print_ns_stats(p, sample_stats()); }),
              "{\"proto\":253,\"port_unreach\":true,"
              "\"ipv4\":{\"in_datagrams\":10,\"no_ports\":2,\"in_errors\":3,\"in_csum_errors\":1,"
              "\"rcvbuf_errors\":4,\"out_datagrams\":12345678901,\"sndbuf_errors\":0},"
              "\"ipv6\":{\"in_datagrams\":0,\"no_ports\":0,\"in_errors\":0,\"in_csum_errors\":0,"
              "\"rcvbuf_errors\":0,\"out_datagrams\":0,\"sndbuf_errors\":0}}");
}

TEST(DgramOutput, StatsTextInSnmpNames) {
    EXPECT_EQ(printed(Mode::Text, [](Printer &p) { kpctl::print_ns_stats(p, sample_stats()); }),
              "proto 253 port-unreach on\n"
              "IPv4:\n"
              "    InDatagrams            10\n"
              "    NoPorts                 2\n"
              "    InErrors                3\n"
              "    InCsumErrors            1\n"
              "    RcvbufErrors            4\n"
              "    OutDatagrams  12345678901\n"
              "    SndbufErrors            0\n"
              "IPv6:\n"
              "    InDatagrams   0\n"
              "    NoPorts       0\n"
              "    InErrors      0\n"
              "    InCsumErrors  0\n"
              "    RcvbufErrors  0\n"
              "    OutDatagrams  0\n"
              "    SndbufErrors  0\n");
}

TEST(DgramOutput, StatsLeaveOutWhatWasNotSent) {
    dgram::NsStats ns;
    ns.port_unreach = false;
    dgram::Stats v6;
    v6.sndbuf_errors = std::nullopt; // an older module
    ns.ipv6 = v6;
    EXPECT_EQ(printed(Mode::Json, [&](Printer &p) { kpctl::print_ns_stats(p, ns); }),
              "{\"port_unreach\":false,\"ipv6\":{\"in_datagrams\":0,\"no_ports\":0,"
              "\"in_errors\":0,\"in_csum_errors\":0,\"rcvbuf_errors\":0,\"out_datagrams\":0}}");
    EXPECT_EQ(first_line(printed(Mode::Text, [&](Printer &p) { kpctl::print_ns_stats(p, ns); })),
              "port-unreach off");
}

TEST(DgramOutput, SocketsJson) {
    const kpctl::DevNames names = {{1, "lo"}};
    EXPECT_EQ(printed(Mode::Json,
                      [&](Printer &p) { kpctl::print_sockets(p, sample_sockets(), names); }),
              "[{\"family\":\"inet\",\"local_addr\":\"0.0.0.0\",\"local_port\":5000,"
              "\"rx_queue\":768,\"tx_queue\":0,\"drops\":0,\"uid\":0,\"inode\":4242},"
              "{\"family\":\"inet6\",\"local_addr\":\"::1\",\"local_port\":40000,"
              "\"remote_addr\":\"::1\",\"remote_port\":5000,\"bound_ifindex\":1,"
              "\"bound_dev\":\"lo\",\"rx_queue\":0,\"tx_queue\":1,\"drops\":2,\"uid\":65534,"
              "\"inode\":4243},"
              "{\"family\":\"inet\",\"local_addr\":\"0.0.0.0\",\"local_port\":0,"
              "\"bound_ifindex\":77,\"rx_queue\":0,\"tx_queue\":0,\"drops\":0,\"uid\":0,"
              "\"inode\":1}]");
    EXPECT_EQ(printed(Mode::Json, [&](Printer &p) { kpctl::print_sockets(p, {}, names); }), "[]");
}

TEST(DgramOutput, SocketsTextAsSs) {
    const kpctl::DevNames names = {{1, "lo"}};
    EXPECT_EQ(printed(Mode::Text,
                      [&](Printer &p) { kpctl::print_sockets(p, sample_sockets(), names); }),
              "Family  State   Recv-Q  Send-Q  Local Address:Port  Peer Address:Port\n"
              "inet    UNCONN  768     0       0.0.0.0:5000        0.0.0.0:*          "
              "drops:0 uid:0 ino:4242\n"
              "inet6   ESTAB   0       1       [::1]%lo:40000      [::1]:5000         "
              "drops:2 uid:65534 ino:4243\n"
              "inet    UNCONN  0       0       0.0.0.0%if77:*      0.0.0.0:*          "
              "drops:0 uid:0 ino:1\n");
    EXPECT_EQ(printed(Mode::Text, [&](Printer &p) { kpctl::print_sockets(p, {}, names); }),
              "Family  State  Recv-Q  Send-Q  Local Address:Port  Peer Address:Port\n");
}

TEST(DgramOutput, Endpoints) {
    EXPECT_EQ(kpctl::format_endpoint(addr(AF_INET, "10.0.0.1"), 53), "10.0.0.1:53");
    EXPECT_EQ(kpctl::format_endpoint(addr(AF_INET6, "fe80::1"), 546, "eth0"), "[fe80::1]%eth0:546");
    EXPECT_EQ(kpctl::format_endpoint(addr(AF_INET6, "::"), 0), "[::]:*");
}

TEST(DgramOutput, SendAndRecvSummaries) {
    traffic::SendSummary s{10, 560, 1234};
    EXPECT_EQ(printed(Mode::Text, [&](Printer &p) { kpctl::print_send_summary(p, s); }),
              "10 datagrams sent, 560 bytes\n");
    EXPECT_EQ(printed(Mode::Json, [&](Printer &p) { kpctl::print_send_summary(p, s); }),
              "{\"sent\":10,\"bytes\":560,\"elapsed_us\":1234}");

    traffic::RecvSummary r;
    r.received = 9;
    r.bytes = 504;
    r.bad = 1;
    r.unchecked = 2;
    r.elapsed_us = 99;
    EXPECT_EQ(printed(Mode::Text, [&](Printer &p) { kpctl::print_recv_summary(p, r); }),
              "9 datagrams received, 504 bytes, 1 bad, 2 unchecked\n");
    EXPECT_EQ(printed(Mode::Json, [&](Printer &p) { kpctl::print_recv_summary(p, r); }),
              "{\"received\":9,\"bytes\":504,\"bad\":1,\"unchecked\":2,\"elapsed_us\":99}");
    r.echoed = 9;
    EXPECT_EQ(printed(Mode::Text, [&](Printer &p) { kpctl::print_recv_summary(p, r); }),
              "9 datagrams received, 504 bytes, 1 bad, 2 unchecked, 9 echoed\n");
    EXPECT_EQ(printed(Mode::Json, [&](Printer &p) { kpctl::print_recv_summary(p, r); }),
              "{\"received\":9,\"bytes\":504,\"bad\":1,\"unchecked\":2,\"echoed\":9,"
              "\"elapsed_us\":99}");
}

namespace {

traffic::PingSummary sample_ping() {
    traffic::PingSummary s;
    s.transmitted = 3;
    s.received = 2;
    s.rtt_min = 0.0401;
    s.rtt_avg = 0.05;
    s.rtt_max = 0.0599;
    s.rtt_mdev = 0.00995;
    return s;
}

// As "kpctl dgram ping" prints it, to 127.0.0.1 port 7.
std::string ping_summary(const traffic::PingSummary &s, bool json, bool pretty = false,
                         const std::string &destination = "127.0.0.1") {
    std::ostringstream os;
    kpctl::Globals g;
    g.json = json;
    g.pretty = pretty;
    kpctl::print_output(os, g,
                        [&](Printer &p) { kpctl::print_ping_summary(p, destination, 7, s); });
    return os.str();
}

} // namespace

TEST(DgramOutput, PingSummaryAsPing8) {
    traffic::PingSummary s = sample_ping();
    EXPECT_EQ(ping_summary(s, false), "\n--- 127.0.0.1 kp_dgram ping statistics ---\n"
                                      "3 transmitted, 2 received, 33.3333% packet loss\n"
                                      "rtt min/avg/max/mdev = 0.040/0.050/0.060/0.010 ms\n");
    s.duplicates = 1;
    s.errors = 4;
    s.received = 0;
    EXPECT_EQ(ping_summary(s, false), "\n--- 127.0.0.1 kp_dgram ping statistics ---\n"
                                      "3 transmitted, 0 received, +1 duplicates, +4 errors, "
                                      "100% packet loss\n");
}

TEST(DgramOutput, PingSummaryJson) {
    traffic::PingSummary s = sample_ping();
    EXPECT_EQ(ping_summary(s, true),
              "{\"destination\":\"127.0.0.1\",\"port\":7,\"transmitted\":3,\"received\":2,"
              "\"duplicates\":0,\"bad\":0,\"errors\":0,\"loss_percent\":33.3333,"
              "\"rtt_min_ms\":0.040,\"rtt_avg_ms\":0.050,\"rtt_max_ms\":0.060,"
              "\"rtt_mdev_ms\":0.010}\n");
    s.received = 0;
    s.transmitted = 0;
    EXPECT_EQ(ping_summary(s, true, true, "fe80::1%\"x"),
              "{\n"
              "    \"destination\": \"fe80::1%\\\"x\",\n"
              "    \"port\": 7,\n"
              "    \"transmitted\": 0,\n"
              "    \"received\": 0,\n"
              "    \"duplicates\": 0,\n"
              "    \"bad\": 0,\n"
              "    \"errors\": 0,\n"
              "    \"loss_percent\": 0\n"
              "}\n");
}

// What the numbers look like: rtt_* always with three decimals (integral
// values too: 1.000), loss_percent as "%g" writes it (0, 50, 33.3333, 1e-05).
TEST(DgramOutput, PingSummaryNumbersPinned) {
    traffic::PingSummary s = sample_ping();
    s.transmitted = 4;
    s.received = 2;
    s.rtt_min = 0.347;
    s.rtt_avg = 1;
    s.rtt_max = 2.776;
    s.rtt_mdev = 1234.5678;
    EXPECT_EQ(ping_summary(s, true),
              "{\"destination\":\"127.0.0.1\",\"port\":7,\"transmitted\":4,\"received\":2,"
              "\"duplicates\":0,\"bad\":0,\"errors\":0,\"loss_percent\":50,"
              "\"rtt_min_ms\":0.347,\"rtt_avg_ms\":1.000,\"rtt_max_ms\":2.776,"
              "\"rtt_mdev_ms\":1234.568}\n");
    EXPECT_EQ(ping_summary(s, false), "\n--- 127.0.0.1 kp_dgram ping statistics ---\n"
                                      "4 transmitted, 2 received, 50% packet loss\n"
                                      "rtt min/avg/max/mdev = 0.347/1.000/2.776/1234.568 ms\n");
    s.rtt_min = 0;
    s.rtt_avg = 12;
    s.rtt_max = 0.0005;
    s.rtt_mdev = 99.9996;
    s.bad = 3;
    s.transmitted = 7;
    s.received = 1;
    EXPECT_EQ(ping_summary(s, true, true), "{\n"
                                           "    \"destination\": \"127.0.0.1\",\n"
                                           "    \"port\": 7,\n"
                                           "    \"transmitted\": 7,\n"
                                           "    \"received\": 1,\n"
                                           "    \"duplicates\": 0,\n"
                                           "    \"bad\": 3,\n"
                                           "    \"errors\": 0,\n"
                                           "    \"loss_percent\": 85.7143,\n"
                                           "    \"rtt_min_ms\": 0.000,\n"
                                           "    \"rtt_avg_ms\": 12.000,\n"
                                           "    \"rtt_max_ms\": 0.001,\n"
                                           "    \"rtt_mdev_ms\": 100.000\n"
                                           "}\n");
    EXPECT_EQ(ping_summary(s, false), "\n--- 127.0.0.1 kp_dgram ping statistics ---\n"
                                      "7 transmitted, 1 received, +3 bad, 85.7143% packet loss\n"
                                      "rtt min/avg/max/mdev = 0.000/12.000/0.001/100.000 ms\n");
    // Loss as "%g" writes it, in JSON as in text.
    const struct {
        uint64_t transmitted, received;
        const char *loss;
    } losses[] = {
            {0, 0, "0"},
            {3, 3, "0"},
            {3, 4, "0"},
            {3, 0, "100"},
            {100000, 99999, "0.001"},
            {10000000, 9999999, "1e-05"},
            {3, 1, "66.6667"},
    };
    for (const auto &l : losses) {
        s.transmitted = l.transmitted;
        s.received = l.received;
        s.bad = 0;
        const std::string json = ping_summary(s, true);
        EXPECT_NE(json.find(",\"loss_percent\":" + std::string(l.loss) +
                            (l.received ? ",\"rtt_min_ms\":" : "}\n")),
                  std::string::npos)
                << json;
        EXPECT_NE(ping_summary(s, false).find(", " + std::string(l.loss) + "% packet loss\n"),
                  std::string::npos)
                << l.loss;
    }
}

TEST(DgramOutput, PingReplyLines) {
    using Kind = traffic::PingReply::Kind;
    auto line = [](traffic::PingReply r) {
        return kpctl::format_ping_reply("::1", r);
    };
    EXPECT_EQ(line({Kind::Reply, 56, 1, 0.0454}), "56 bytes from ::1: seq=1 time=0.045 ms");
    EXPECT_EQ(line({Kind::Reply, 56, 2, 1.234}), "56 bytes from ::1: seq=2 time=1.23 ms");
    EXPECT_EQ(line({Kind::Reply, 56, 3, 12.34}), "56 bytes from ::1: seq=3 time=12.3 ms");
    EXPECT_EQ(line({Kind::Reply, 56, 4, 123.4}), "56 bytes from ::1: seq=4 time=123 ms");
    EXPECT_EQ(line({Kind::Reply, 16, 5, 9.996}), "16 bytes from ::1: seq=5 time=10.0 ms");
    EXPECT_EQ(line({Kind::Duplicate, 56, 6, 0}), "56 bytes from ::1: seq=6 (DUP!)");
    EXPECT_EQ(line({Kind::Bad, 1000, 0, 0}), "1000 bytes from ::1: (BAD)");
}

// --- traffic over UDP on the loopback (proto 17) -----------------------------------------

TEST(DgramTraffic, SendCarriesCheckablePayloads) {
    UdpSocket rx;
    const std::string port = std::to_string(rx.port);
    Result r = kpctl_run({"dgram", "send", "127.0.0.1", port.c_str(), "count", "3", "size", "1000",
                          "proto", "17"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, "3 datagrams sent, 3000 bytes\n");
    for (uint64_t seq = 1; seq <= 3; seq++) {
        auto d = rx.recv();
        ASSERT_TRUE(d);
        ASSERT_EQ(d->size(), 1000u);
        uint64_t got = 0;
        EXPECT_EQ(payload::check(d->data(), d->size(), &got), payload::Verdict::Good);
        EXPECT_EQ(got, seq);
    }
}

TEST(DgramTraffic, SendJsonSummary) {
    UdpSocket rx;
    const std::string port = std::to_string(rx.port);
    Result r = kpctl_run({"-j", "dgram", "send", "127.0.0.1", port.c_str(), "count", "2",
                          "interval", "1", "size", "0", "proto", "17"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{\"sent\":2,\"bytes\":0,\"elapsed_us\":", 0), 0u) << r.out;
    EXPECT_EQ(r.out.back(), '\n');
}

TEST(DgramTraffic, SendToAClosedPortReportsTheIcmpError) {
    uint16_t port;
    {
        UdpSocket gone; // a port nobody listens on once this is closed
        port = gone.port;
    }
    const std::string p = std::to_string(port);
    Result r = kpctl_run({"dgram", "send", "127.0.0.1", p.c_str(), "count", "1000", "proto", "17"});
    EXPECT_EQ(r.rc, 2);
    EXPECT_EQ(r.err, "kpctl: send: Connection refused\n");
}

TEST(DgramTraffic, RecvCountsGoodBadAndForeign) {
    UdpSocket probe;
    const uint16_t port = probe.port;
    close(probe.fd); // free the port for kpctl
    probe.fd = -1;

    // Until the receiver is done: a good, a damaged and a foreign datagram,
    // over and over (what comes before it binds is lost).
    std::atomic<bool> stop{false};
    std::thread sender([&] {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
        sockaddr_in to = {};
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        std::vector<uint8_t> good(100), bad(100), foreign(100, 'x');
        for (uint64_t seq = 1; !stop; seq++) {
            payload::fill(good.data(), good.size(), seq);
            payload::fill(bad.data(), bad.size(), seq);
            bad[50] ^= 1;
            for (auto *d : {&good, &bad, &foreign})
                sendto(fd, d->data(), d->size(), 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
            usleep(2000);
        }
        close(fd);
    });
    const std::string p = std::to_string(port);
    Result r = kpctl_run({"-j", "dgram", "recv", "127.0.0.1", p.c_str(), "count", "30", "timeout",
                          "10", "proto", "17"});
    stop = true;
    sender.join();
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{\"received\":30,\"bytes\":3000,\"bad\":10,\"unchecked\":10,"
                          "\"elapsed_us\":",
                          0),
              0u)
            << r.out;
}

TEST(DgramTraffic, RecvTimesOutWhenNothingComes) {
    UdpSocket probe;
    const std::string p = std::to_string(probe.port);
    close(probe.fd);
    probe.fd = -1;
    Result r = kpctl_run({"dgram", "recv", p.c_str(), "timeout", "0.1", "proto", "17"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out, "0 datagrams received, 0 bytes, 0 bad, 0 unchecked\n");
}

TEST(DgramTraffic, PingAnEchoServer) {
    Echo echo;
    const std::string port = std::to_string(echo.port());
    Result r = kpctl_run({"dgram", "ping", "127.0.0.1", port.c_str(), "count", "3", "interval",
                          "10", "proto", "17"});
    EXPECT_EQ(r.rc, 0) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "PING 127.0.0.1 port " + port + " proto 17: 56 data bytes");
    for (int seq = 1; seq <= 3; seq++) {
        std::getline(lines, line);
        const std::string prefix = "56 bytes from 127.0.0.1: seq=" + std::to_string(seq) + " time=";
        EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
        EXPECT_EQ(line.substr(line.size() - 3), " ms") << line;
    }
    std::getline(lines, line);
    EXPECT_EQ(line, "");
    std::getline(lines, line);
    EXPECT_EQ(line, "--- 127.0.0.1 kp_dgram ping statistics ---");
    std::getline(lines, line);
    EXPECT_EQ(line, "3 transmitted, 3 received, 0% packet loss");
    std::getline(lines, line);
    EXPECT_EQ(line.rfind("rtt min/avg/max/mdev = ", 0), 0u) << line;

    r = kpctl_run({"-j", "dgram", "ping", "127.0.0.1", port.c_str(), "count", "2", "interval", "1",
                   "size", "16", "proto", "17"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{\"destination\":\"127.0.0.1\",\"port\":" + port +
                                  ",\"transmitted\":2,\"received\":2,\"duplicates\":0,\"bad\":0,"
                                  "\"errors\":0,\"loss_percent\":0,\"rtt_min_ms\":",
                          0),
              0u)
            << r.out;
}

TEST(DgramTraffic, PingWithoutEchoFails) {
    uint16_t port;
    {
        UdpSocket gone;
        port = gone.port;
    }
    const std::string p = std::to_string(port);
    Result r = kpctl_run({"dgram", "ping", "127.0.0.1", p.c_str(), "count", "2", "interval", "10",
                          "timeout", "0.2", "proto", "17"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.out.find("From 127.0.0.1: Connection refused\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2 transmitted, 0 received, +"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("100% packet loss\n"), std::string::npos) << r.out;
}
