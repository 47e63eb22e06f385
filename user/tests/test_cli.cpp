// SPDX-License-Identifier: GPL-2.0
// kpctl command line: parsing, help at every level, usage errors and their
// messages/exit status. Nothing here reaches the kernel: every case fails or
// finishes before a netlink socket is opened.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kpctl_run.hpp"

using kpctl_test::first_line;
using kpctl_test::kpctl_run;
using kpctl_test::Result;

namespace {

kpctl::LoopCmd parse(std::vector<std::string> words) {
    kpctl::Args args(std::move(words));
    return kpctl::parse_loop(args);
}

} // namespace

// --- help / version ---------------------------------------------------------

TEST(CliHelp, TopLevel) {
    for (const char *h : {"help", "-h", "--help"}) {
        Result r = kpctl_run({h});
        EXPECT_EQ(r.rc, 0) << h;
        EXPECT_EQ(r.out, kpctl::main_usage) << h;
        EXPECT_EQ(r.err, "") << h;
    }
}

TEST(CliHelp, NoArgumentsIsUsageErrorOnStderr) {
    Result r = kpctl_run({});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, kpctl::main_usage);
}

TEST(CliHelp, LoopAndMonitorObjects) {
    Result r = kpctl_run({"loop", "help"});
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.out, kpctl::loop_usage);
    r = kpctl_run({"loop", "--help"});
    EXPECT_EQ(r.out, kpctl::loop_usage);
    r = kpctl_run({"monitor", "help"});
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.out, kpctl::monitor_usage);
}

TEST(CliHelp, EveryLoopCommand) {
    struct Case {
        std::vector<const char *> args;
        const char *first;
    };
    const Case cases[] = {
            {{"loop", "add", "help"},
             "Usage: kpctl loop add [ dev ] NAME [ netns NS ] [ mtu MTU ]"},
            {{"loop", "add", "kp0", "peer", "kp1", "--help"},
             "Usage: kpctl loop add [ dev ] NAME [ netns NS ] [ mtu MTU ]"},
            {{"loop", "del", "-h"}, "Usage: kpctl loop del [ dev ] NAME"},
            {{"loop", "show", "help"}, "Usage: kpctl loop show [ [ dev ] NAME ]"},
            {{"loop", "show", "dev", "kp0", "help"}, "Usage: kpctl loop show [ [ dev ] NAME ]"},
            {{"loop", "set", "help"},
             "Usage: kpctl loop set [ dev ] NAME [ drop RATE ] [ corrupt RATE ] [ dup RATE ]"},
            {{"loop", "set", "kp0", "help"},
             "Usage: kpctl loop set [ dev ] NAME [ drop RATE ] [ corrupt RATE ] [ dup RATE ]"},
            {{"loop", "set", "dev", "kp0", "help"},
             "Usage: kpctl loop set [ dev ] NAME [ drop RATE ] [ corrupt RATE ] [ dup RATE ]"},
            {{"loop", "stats", "help"}, "Usage: kpctl loop stats [ [ dev ] NAME ]"},
    };
    for (const auto &c : cases) {
        Result r = kpctl_run(c.args);
        EXPECT_EQ(r.rc, 0) << c.first;
        EXPECT_EQ(first_line(r.out), c.first);
        EXPECT_EQ(r.err, "");
    }
}

TEST(CliHelp, Version) {
    for (const char *v : {"-V", "--version"}) {
        Result r = kpctl_run({v});
        EXPECT_EQ(r.rc, 0);
        EXPECT_EQ(r.out.rfind("kpctl " KPATH_TEST_VERSION " (libnl ", 0), 0u) << r.out;
    }
}

// --- usage errors: exact messages, exit status 1 ------------------------------

TEST(CliUsage, BadTokensAreNamed) {
    struct Case {
        std::vector<const char *> args;
        const char *err;
    };
    const Case cases[] = {
            {{"loop", "set", "kp0", "drop", "abc"},
             "kpctl: invalid drop rate \"abc\": expected 0..1000000 ppm or a percentage\n"},
            {{"loop", "set", "kp0", "corrupt", "101%"},
             "kpctl: invalid corrupt rate \"101%\": expected 0..1000000 ppm or a percentage\n"},
            {{"loop", "set", "kp0", "dup", "1000001"},
             "kpctl: invalid dup rate \"1000001\": expected 0..1000000 ppm or a percentage\n"},
            {{"loop", "set", "kp0", "carrier", "up"},
             "kpctl: invalid carrier \"up\": expected \"on\" or \"off\"\n"},
            {{"loop", "set", "kp0", "drop", "1%", "drop", "2%"},
             "kpctl: loop set: duplicate \"drop\"\n"},
            {{"loop", "set", "kp0"},
             "kpctl: loop set: nothing to change; expected drop, corrupt, dup, carrier, seed or "
             "ge-*\n"},
            {{"loop", "set", "kp0", "delay", "1"}, "kpctl: loop set: unknown argument \"delay\"\n"},
            {{"loop", "set", "kp0", "drop"}, "kpctl: loop set: missing value for \"drop\"\n"},
            {{"loop", "add", "kp0", "mtu", "67"},
             "kpctl: invalid mtu \"67\": expected 68..65536\n"},
            {{"loop", "add", "kp0", "mtu", "65537"},
             "kpctl: invalid mtu \"65537\": expected 68..65536\n"},
            {{"loop", "add", "kp0", "mtu", "1500b"},
             "kpctl: invalid mtu \"1500b\": expected 68..65536\n"},
            {{"loop", "add", "kp0", "mtu", "1500", "mtu", "9000"},
             "kpctl: loop add: duplicate \"mtu\"\n"},
            {{"loop", "add"}, "kpctl: loop add: missing device NAME\n"},
            {{"loop", "add", "kp0", "peer"}, "kpctl: loop add: missing value for \"peer\"\n"},
            {{"loop", "add", "kp0", "peer", "kp0"},
             "kpctl: loop add: peer \"kp0\" has the same name as the device\n"},
            {{"loop", "add", "kp0", "netns", "b", "peer", "kp0", "netns", "b"},
             "kpctl: loop add: peer \"kp0\" has the same name as the device\n"},
            {{"loop", "add", "kp0", "netns", "a", "netns", "b"},
             "kpctl: loop add: duplicate \"netns\"\n"},
            {{"loop", "add", "kp0", "peer", "kp1", "netns", "a", "netns", "b"},
             "kpctl: loop add: duplicate \"netns\"\n"},
            {{"loop", "add", "kp0", "peer", "kp1", "mtu", "1500", "mtu", "9000"},
             "kpctl: loop add: duplicate \"mtu\"\n"},
            {{"loop", "add", "kp0", "peer", "kp1", "peer", "kp2"},
             "kpctl: loop add: duplicate \"peer\"\n"},
            {{"loop", "add", "kp0", "peer", "kp1", "netns", ""},
             "kpctl: loop add: empty network namespace name\n"},
            {{"loop", "add", "dev"}, "kpctl: loop add: missing value for \"dev\"\n"},
            {{"loop", "add", "kp0", "peer", "name"},
             "kpctl: loop add: missing value for \"name\"\n"},
            {{"loop", "del", "dev"}, "kpctl: loop del: missing value for \"dev\"\n"},
            {{"loop", "set", "dev", "kp0", "carrier", "on", "admin-carrier", "off"},
             "kpctl: loop set: duplicate \"carrier\"\n"},
            {{"loop", "set", "kp0", "drop", "ppm"},
             "kpctl: invalid drop rate \"ppm\": expected 0..1000000 ppm or a percentage\n"},
            {{"loop", "stats", "dev"}, "kpctl: loop stats: missing value for \"dev\"\n"},
            {{"loop", "show", "dev", "kp0", "kp1"}, "kpctl: loop show: unknown argument \"kp1\"\n"},
            {{"loop", "add", "a/b"},
             "kpctl: invalid device name \"a/b\": expected 1..15 characters without '/', ':' "
             "or whitespace\n"},
            {{"loop", "add", "kp0", "peer", "sixteen-chars-xx"},
             "kpctl: invalid device name \"sixteen-chars-xx\": expected 1..15 characters "
             "without '/', ':' or whitespace\n"},
            {{"loop", "add", "kp0", "type", "veth"},
             "kpctl: loop add: unknown argument \"type\"\n"},
            {{"loop", "del"}, "kpctl: loop del: missing device NAME\n"},
            {{"loop", "del", "kp0", "kp1"}, "kpctl: loop del: unknown argument \"kp1\"\n"},
            {{"loop", "show", "kp0", "kp1"}, "kpctl: loop show: unknown argument \"kp1\"\n"},
            {{"loop", "frob"}, "kpctl: unknown loop command \"frob\"; try \"kpctl loop help\"\n"},
            {{"link", "show"}, "kpctl: unknown object \"link\"; try \"kpctl help\"\n"},
            {{"-x", "loop"}, "kpctl: unknown option \"-x\"; try \"kpctl help\"\n"},
            {{"-n"}, "kpctl: missing value for \"-n\"\n"},
            {{"monitor", "count", "0"},
             "kpctl: invalid count \"0\": expected a positive integer\n"},
            {{"monitor", "count", "x"},
             "kpctl: invalid count \"x\": expected a positive integer\n"},
            {{"monitor", "link"}, "kpctl: monitor: unknown argument \"link\"\n"},
    };
    for (const auto &c : cases) {
        Result r = kpctl_run(c.args);
        EXPECT_EQ(r.rc, 1) << c.err;
        EXPECT_EQ(r.err, c.err);
        EXPECT_EQ(r.out, "");
    }
}

TEST(CliUsage, UnknownDeviceUsesIproute2Wording) {
    const char *name = "kpt-nosuch0";
    for (std::vector<const char *> args : {
                 std::vector<const char *>{"loop", "del", name},
                 std::vector<const char *>{"loop", "del", "dev", name},
                 std::vector<const char *>{"loop", "show", name},
                 std::vector<const char *>{"loop", "show", "dev", name},
                 std::vector<const char *>{"loop", "set", name, "drop", "0"},
                 std::vector<const char *>{"loop", "set", "dev", name, "drop", "1%"},
                 std::vector<const char *>{"loop", "stats", name},
                 std::vector<const char *>{"loop", "stats", "dev", name},
         }) {
        Result r = kpctl_run(args);
        EXPECT_EQ(r.rc, 1);
        EXPECT_EQ(r.err, "Cannot find device \"kpt-nosuch0\"\n");
    }
}

TEST(CliUsage, MissingNetnsIsReportedBeforeAnythingRuns) {
    Result r = kpctl_run({"-n", "kpath-test-no-such-ns", "loop", "show"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(
            r.err,
            "Cannot open network namespace \"kpath-test-no-such-ns\": No such file or directory\n");
    r = kpctl_run({"--json", "--pretty", "--netns=kpath-test-no-such-ns", "loop", "stats"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(
            r.err,
            "Cannot open network namespace \"kpath-test-no-such-ns\": No such file or directory\n");
    r = kpctl_run({"-n", "", "loop", "show"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "kpctl: empty network namespace name\n");
    // Usage errors win over the netns: parsing happens first.
    r = kpctl_run({"-n", "kpath-test-no-such-ns", "loop", "set", "kp0", "drop", "x"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(first_line(r.err), "kpctl: invalid drop rate \"x\": expected 0..1000000 ppm or a "
                                 "percentage");
}

// --- parse results ------------------------------------------------------------

TEST(CliParse, AddLoopMode) {
    auto cmd = parse({"add", "kp0"});
    auto *add = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->name, "kp0");
    EXPECT_FALSE(add->netns);
    EXPECT_FALSE(add->mtu);
    EXPECT_FALSE(add->peer);
    EXPECT_FALSE(add->peer_netns);
    EXPECT_FALSE(add->peer_mtu);

    // "dev NAME" / "name NAME" as ip link add; a loop device in another netns.
    for (const char *kw : {"dev", "name"}) {
        cmd = parse({"add", kw, "kp0", "netns", "b", "mtu", "9000"});
        add = std::get_if<kpctl::LoopAdd>(&cmd);
        ASSERT_NE(add, nullptr) << kw;
        EXPECT_EQ(add->name, "kp0");
        EXPECT_EQ(add->netns, "b");
        EXPECT_EQ(add->mtu, 9000u);
        EXPECT_FALSE(add->peer);
    }
}

TEST(CliParse, AddKeywordsBeforePeerAreTheDevicesAfterItThePeers) {
    auto cmd = parse(
            {"add", "a", "netns", "N", "mtu", "9000", "peer", "b", "netns", "M", "mtu", "1500"});
    auto *add = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->name, "a");
    EXPECT_EQ(add->netns, "N");
    EXPECT_EQ(add->mtu, 9000u);
    EXPECT_EQ(add->peer, "b");
    EXPECT_EQ(add->peer_netns, "M");
    EXPECT_EQ(add->peer_mtu, 1500u);

    // Either order within each part.
    cmd = parse(
            {"add", "a", "mtu", "9000", "netns", "N", "peer", "b", "mtu", "1500", "netns", "M"});
    auto *again = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(again, nullptr);
    EXPECT_EQ(again->netns, "N");
    EXPECT_EQ(again->mtu, 9000u);
    EXPECT_EQ(again->peer_netns, "M");
    EXPECT_EQ(again->peer_mtu, 1500u);

    // As the selftests and the README have it: only the peer elsewhere.
    cmd = parse({"add", "a0", "peer", "b0", "netns", "b"});
    add = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(add, nullptr);
    EXPECT_FALSE(add->netns);
    EXPECT_EQ(add->peer, "b0");
    EXPECT_EQ(add->peer_netns, "b");

    // Only the device elsewhere: the peer is created here.
    cmd = parse({"add", "a0", "netns", "b", "peer", "name", "b0"});
    add = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->netns, "b");
    EXPECT_EQ(add->peer, "b0");
    EXPECT_FALSE(add->peer_netns);
    EXPECT_FALSE(add->peer_mtu);

    // Same name on both ends is fine across namespaces.
    for (std::vector<std::string> words : {
                 std::vector<std::string>{"add", "kp0", "peer", "kp0", "netns", "/proc/1/ns/net"},
                 std::vector<std::string>{"add", "kp0", "netns", "x", "peer", "dev", "kp0"},
                 std::vector<std::string>{"add", "kp0", "netns", "x", "peer", "kp0", "netns", "y"},
         }) {
        cmd = parse(words);
        add = std::get_if<kpctl::LoopAdd>(&cmd);
        ASSERT_NE(add, nullptr) << words[3];
        EXPECT_EQ(add->peer, "kp0");
    }
}

TEST(CliParse, SetRatesAndCarrier) {
    auto cmd =
            parse({"set", "a0", "drop", "1%", "corrupt", "0.5%", "dup", "250", "carrier", "off"});
    auto *set = std::get_if<kpctl::LoopSet>(&cmd);
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->name, "a0");
    EXPECT_EQ(set->drop_ppm, 10000u);
    EXPECT_EQ(set->corrupt_ppm, 5000u);
    EXPECT_EQ(set->dup_ppm, 250u);
    EXPECT_EQ(set->carrier, false);

    cmd = parse({"set", "a0", "carrier", "on"});
    set = std::get_if<kpctl::LoopSet>(&cmd);
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->carrier, true);
    EXPECT_FALSE(set->drop_ppm);
    EXPECT_FALSE(set->corrupt_ppm);
    EXPECT_FALSE(set->dup_ppm);
}

TEST(CliParse, AddRequestCarriesEachEndsSettings) {
    auto cmd = parse({"add", "a", "netns", "N", "peer", "b", "netns", "M", "mtu", "1500"});
    auto *add = std::get_if<kpctl::LoopAdd>(&cmd);
    ASSERT_NE(add, nullptr);
    const kpath::loop::AddRequest req = kpctl::add_request(*add, 11, 12);
    EXPECT_EQ(req.ifname, "a");
    EXPECT_EQ(req.netns_fd, 11);
    EXPECT_FALSE(req.mtu);
    EXPECT_EQ(req.peer, "b");
    EXPECT_EQ(req.peer_netns_fd, 12);
    EXPECT_EQ(req.peer_mtu, 1500u);
}

TEST(CliUsage, MissingNamespaceOfEitherEndIsReported) {
    for (std::vector<const char *> args : {
                 std::vector<const char *>{"loop", "add", "kp0", "netns", "kpath-test-no-such-ns"},
                 std::vector<const char *>{"loop", "add", "kp0", "peer", "kp1", "netns",
                                           "kpath-test-no-such-ns"},
                 std::vector<const char *>{"loop", "add", "kp0", "netns", "kpath-test-no-such-ns",
                                           "peer", "kp1", "netns", "/proc/self/ns/net"},
         }) {
        Result r = kpctl_run(args);
        EXPECT_EQ(r.rc, 1);
        EXPECT_EQ(r.err, "Cannot open network namespace \"kpath-test-no-such-ns\": No such file "
                         "or directory\n");
        EXPECT_EQ(r.out, "");
    }
}

TEST(CliParse, DevKeywordWhereverADeviceIsNamed) {
    auto cmd = parse({"set", "dev", "kp0", "drop", "1%"});
    auto *set = std::get_if<kpctl::LoopSet>(&cmd);
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->name, "kp0");
    EXPECT_EQ(set->drop_ppm, 10000u);

    cmd = parse({"del", "dev", "kp0"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopDel>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopDel>(cmd).name, "kp0");

    cmd = parse({"stats", "dev", "kp0"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopStats>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopStats>(cmd).name, "kp0");

    cmd = parse({"show", "dev", "kp0"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopShow>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopShow>(cmd).name, "kp0");
}

TEST(CliParse, RatesWithTheirUnitAndAdminCarrier) {
    auto cmd = parse({"set", "kp0", "drop", "2500ppm", "corrupt", "0.25%", "dup", "0",
                      "admin-carrier", "off"});
    auto *set = std::get_if<kpctl::LoopSet>(&cmd);
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->drop_ppm, 2500u);
    EXPECT_EQ(set->corrupt_ppm, 2500u);
    EXPECT_EQ(set->dup_ppm, 0u);
    EXPECT_EQ(set->carrier, false);
}

TEST(CliParse, ShowStatsDelAndDefaults) {
    auto cmd = parse({});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopShow>(cmd)); // "kpctl loop" = show
    EXPECT_FALSE(std::get<kpctl::LoopShow>(cmd).name);

    cmd = parse({"show", "dev", "kp0"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopShow>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopShow>(cmd).name, "kp0");

    cmd = parse({"stats"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopStats>(cmd));
    EXPECT_FALSE(std::get<kpctl::LoopStats>(cmd).name);

    cmd = parse({"stats", "kp1"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopStats>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopStats>(cmd).name, "kp1");

    cmd = parse({"delete", "kp1"});
    ASSERT_TRUE(std::holds_alternative<kpctl::LoopDel>(cmd));
    EXPECT_EQ(std::get<kpctl::LoopDel>(cmd).name, "kp1");
}

TEST(CliParse, MonitorCount) {
    kpctl::Args a1({"loop", "count", "3"});
    auto cmd = kpctl::parse_monitor(a1);
    ASSERT_TRUE(std::holds_alternative<kpctl::Monitor>(cmd));
    EXPECT_EQ(std::get<kpctl::Monitor>(cmd).count, 3u);

    kpctl::Args a2({});
    cmd = kpctl::parse_monitor(a2);
    ASSERT_TRUE(std::holds_alternative<kpctl::Monitor>(cmd));
    EXPECT_FALSE(std::get<kpctl::Monitor>(cmd).count);
}
