// SPDX-License-Identifier: GPL-2.0
// kpctl output: text lines, aligned stats, and the JSON the tests depend on.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kpath/json.hpp"
#include "kpath/text.hpp"

namespace loop = kpath::loop;

namespace {

loop::LoopLink pair_link() {
    loop::LoopLink l;
    l.dev.ifindex = 5;
    l.dev.ifname = "kp0";
    l.dev.mode = loop::Mode::Pair;
    l.dev.peer_ifindex = 6;
    l.dev.mtu = 1500;
    l.dev.carrier = true;
    l.dev.drop_ppm = 10000;
    l.dev.corrupt_ppm = 0;
    l.dev.dup_ppm = 5;
    l.operstate = "UP";
    l.carrier = true;
    l.peer_ifname = "kp1";
    return l;
}

template <typename F>
std::string json_of(F &&f, bool pretty = false) {
    std::ostringstream os;
    kpath::JsonWriter j(os, pretty);
    f(j);
    return os.str();
}

} // namespace

TEST(TextTable, AlignsColumns) {
    kpath::text::Table t({kpath::text::Align::Left, kpath::text::Align::Right});
    t.add_row({"tx_packets", "7"});
    t.add_row({"rx_backlog_drops", "123456"});
    std::ostringstream os;
    t.print(os, 4);
    EXPECT_EQ(os.str(), "    tx_packets             7\n"
                        "    rx_backlog_drops  123456\n");
}

TEST(TextTable, LastLeftColumnIsNotPadded) {
    kpath::text::Table t({kpath::text::Align::Left, kpath::text::Align::Left});
    t.add_row({"a", "x"});
    t.add_row({"bbb", "yyyy"});
    std::ostringstream os;
    t.print(os, 0, 1);
    EXPECT_EQ(os.str(), "a   x\nbbb yyyy\n");
}

TEST(ShowOutput, TextLinePair) {
    EXPECT_EQ(kpctl::format_link(pair_link()),
              "5: kp0@kp1: mode pair mtu 1500 state UP carrier on admin-carrier on "
              "drop 1% corrupt 0 dup 5ppm");
}

TEST(ShowOutput, TextLinePeerInOtherNetnsWithoutName) {
    loop::LoopLink l = pair_link();
    l.peer_ifname.reset();
    l.dev.peer_netnsid = 0;
    l.dev.carrier = false;
    l.carrier = false;
    l.operstate = "LOWERLAYERDOWN";
    EXPECT_EQ(kpctl::format_link(l),
              "5: kp0@if6: mode pair link-netnsid 0 mtu 1500 state LOWERLAYERDOWN carrier off "
              "admin-carrier off drop 1% corrupt 0 dup 5ppm");
}

TEST(ShowOutput, JsonPair) {
    loop::LoopLink l = pair_link();
    l.dev.peer_netnsid = 3;
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_link_json(j, l); }),
              "{\"ifname\":\"kp0\",\"ifindex\":5,\"mode\":\"pair\",\"peer_ifindex\":6,"
              "\"peer_ifname\":\"kp1\",\"link_netnsid\":3,\"mtu\":1500,\"operstate\":\"UP\","
              "\"carrier\":true,\"admin_carrier\":true,\"drop_ppm\":10000,\"corrupt_ppm\":0,"
              "\"dup_ppm\":5}");
}

TEST(ShowOutput, JsonLoopModeHasNoPeerFields) {
    loop::LoopLink l;
    l.dev.ifindex = 4;
    l.dev.ifname = "kp0";
    l.dev.mode = loop::Mode::Loop;
    l.dev.mtu = 65536;
    l.dev.carrier = true;
    l.dev.drop_ppm = 0;
    l.dev.corrupt_ppm = 0;
    l.dev.dup_ppm = 0;
    l.operstate = "UNKNOWN";
    l.carrier = true;
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_link_json(j, l); }),
              "{\"ifname\":\"kp0\",\"ifindex\":4,\"mode\":\"loop\",\"mtu\":65536,"
              "\"operstate\":\"UNKNOWN\",\"carrier\":true,\"admin_carrier\":true,"
              "\"drop_ppm\":0,\"corrupt_ppm\":0,\"dup_ppm\":0}");
    EXPECT_EQ(kpctl::format_link(l), "4: kp0: mode loop mtu 65536 state UNKNOWN carrier on "
                                     "admin-carrier on drop 0 corrupt 0 dup 0");
}

TEST(StatsOutput, JsonHasEveryCounter) {
    loop::LoopDev d;
    d.ifindex = 5;
    d.ifname = "kp0";
    loop::Stats s;
    s.tx_packets = 1;
    s.tx_bytes = 2;
    s.rx_packets = 3;
    s.rx_bytes = 4;
    s.rx_backlog_drops = 5;
    s.rx_other_drops = 6;
    s.tx_carrier_drops = 7;
    s.fault_drops = 8;
    s.fault_corrupts = 9;
    s.fault_dups = 10;
    s.tx_runt_drops = 11;
    d.stats = s;
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_stats_json(j, d); }),
              "{\"ifname\":\"kp0\",\"ifindex\":5,\"stats\":{\"tx_packets\":1,\"tx_bytes\":2,"
              "\"rx_packets\":3,\"rx_bytes\":4,\"rx_backlog_drops\":5,\"rx_other_drops\":6,"
              "\"tx_carrier_drops\":7,\"fault_drops\":8,\"fault_corrupts\":9,"
              "\"fault_dups\":10,\"tx_runt_drops\":11}}");
}

TEST(StatsOutput, TextIsAlignedTwoColumns) {
    loop::LoopDev d;
    d.ifindex = 5;
    d.ifname = "kp0";
    d.stats = loop::Stats{};
    d.stats->tx_packets = 1234567;
    std::ostringstream os;
    kpctl::format_stats(os, d);
    EXPECT_EQ(os.str(), "5: kp0\n"
                        "    tx_packets        1234567\n"
                        "    tx_bytes                0\n"
                        "    rx_packets              0\n"
                        "    rx_bytes                0\n"
                        "    rx_backlog_drops        0\n"
                        "    rx_other_drops          0\n"
                        "    tx_carrier_drops        0\n"
                        "    fault_drops             0\n"
                        "    fault_corrupts          0\n"
                        "    fault_dups              0\n"
                        "    tx_runt_drops           0\n");
}

// An older module that does not send every counter: the missing ones are
// left out, not shown as 0.
namespace {
loop::LoopDev dev_with_some_stats() {
    loop::LoopDev d;
    d.ifindex = 5;
    d.ifname = "kp0";
    d.stats = loop::Stats{};
    d.stats->tx_packets = 12;
    d.stats->rx_packets = 3;
    d.stats->rx_bytes = std::nullopt;
    d.stats->fault_dups = std::nullopt;
    d.stats->tx_runt_drops = std::nullopt;
    return d;
}
} // namespace

TEST(StatsOutput, JsonOmitsCountersNotSent) {
    const loop::LoopDev d = dev_with_some_stats();
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_stats_json(j, d); }),
              "{\"ifname\":\"kp0\",\"ifindex\":5,\"stats\":{\"tx_packets\":12,\"tx_bytes\":0,"
              "\"rx_packets\":3,\"rx_backlog_drops\":0,\"rx_other_drops\":0,"
              "\"tx_carrier_drops\":0,\"fault_drops\":0,\"fault_corrupts\":0}}");

    loop::LoopDev none;
    none.ifindex = 6;
    none.ifname = "kp1";
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_stats_json(j, none); }),
              "{\"ifname\":\"kp1\",\"ifindex\":6,\"stats\":{}}");
}

TEST(StatsOutput, TextOmitsCountersNotSent) {
    const loop::LoopDev d = dev_with_some_stats();
    std::ostringstream os;
    kpctl::format_stats(os, d);
    EXPECT_EQ(os.str(), "5: kp0\n"
                        "    tx_packets        12\n"
                        "    tx_bytes           0\n"
                        "    rx_packets         3\n"
                        "    rx_backlog_drops   0\n"
                        "    rx_other_drops     0\n"
                        "    tx_carrier_drops   0\n"
                        "    fault_drops        0\n"
                        "    fault_corrupts     0\n");

    loop::LoopDev none;
    none.ifindex = 6;
    none.ifname = "kp1";
    std::ostringstream os2;
    kpctl::format_stats(os2, none);
    EXPECT_EQ(os2.str(), "6: kp1\n");
}

TEST(MonitorOutput, JsonEvents) {
    loop::Event ev{loop::EventType::Change, {}};
    ev.dev.ifindex = 7;
    ev.dev.ifname = "a0";
    ev.dev.mode = loop::Mode::Pair;
    ev.dev.peer_ifindex = 2;
    ev.dev.peer_netnsid = 1;
    ev.dev.carrier = false;
    ev.dev.drop_ppm = 10000;
    ev.dev.corrupt_ppm = 0;
    ev.dev.dup_ppm = 0;
    ev.dev.mtu = 1500;
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_event_json(j, ev); }),
              "{\"event\":\"change\",\"ifname\":\"a0\",\"ifindex\":7,\"mode\":\"pair\","
              "\"peer_ifindex\":2,\"link_netnsid\":1,\"mtu\":1500,\"admin_carrier\":false,"
              "\"drop_ppm\":10000,\"corrupt_ppm\":0,\"dup_ppm\":0}");

    loop::Event del{loop::EventType::Del, {}};
    del.dev.ifindex = 7;
    del.dev.ifname = "a0";
    EXPECT_EQ(json_of([&](kpath::JsonWriter &j) { kpctl::write_event_json(j, del); }),
              "{\"event\":\"del\",\"ifname\":\"a0\",\"ifindex\":7}");
    EXPECT_EQ(kpctl::format_event(del), "del 7: a0:");
}

TEST(MonitorOutput, TextEvent) {
    loop::Event ev{loop::EventType::Add, {}};
    ev.dev.ifindex = 3;
    ev.dev.ifname = "kp0";
    ev.dev.mode = loop::Mode::Loop;
    ev.dev.mtu = 1500;
    ev.dev.carrier = true;
    ev.dev.drop_ppm = 0;
    ev.dev.corrupt_ppm = 1;
    ev.dev.dup_ppm = 2;
    EXPECT_EQ(kpctl::format_event(ev),
              "add 3: kp0: mode loop mtu 1500 admin-carrier on drop 0 corrupt 1ppm dup 2ppm");
}

// --- show output pasted back into `loop set` ------------------------------------

namespace {

std::vector<std::string> words_of(const std::string &line) {
    std::istringstream is(line);
    std::vector<std::string> words;
    for (std::string w; is >> w;)
        words.push_back(w);
    return words;
}

// `kpctl loop set DEV` + the words of `line` from "admin-carrier" on.
kpctl::LoopSet paste_into_set(const std::string &line) {
    std::vector<std::string> words = words_of(line);
    auto it = std::find(words.begin(), words.end(), "admin-carrier");
    std::vector<std::string> set = {"set", "kp0"};
    set.insert(set.end(), it, words.end());
    kpctl::Args args(set);
    kpctl::LoopCmd cmd = kpctl::parse_loop(args);
    if (auto *s = std::get_if<kpctl::LoopSet>(&cmd))
        return *s;
    ADD_FAILURE() << "not a loop set: " << line;
    return {};
}

} // namespace

TEST(RateText, Forms) {
    EXPECT_EQ(kpctl::format_rate(0), "0");
    EXPECT_EQ(kpctl::format_rate(1), "1ppm");
    EXPECT_EQ(kpctl::format_rate(99), "99ppm");
    EXPECT_EQ(kpctl::format_rate(100), "0.01%");
    EXPECT_EQ(kpctl::format_rate(2500), "0.25%");
    EXPECT_EQ(kpctl::format_rate(2501), "2501ppm");
    EXPECT_EQ(kpctl::format_rate(5000), "0.5%");
    EXPECT_EQ(kpctl::format_rate(10000), "1%");
    EXPECT_EQ(kpctl::format_rate(123400), "12.34%");
    EXPECT_EQ(kpctl::format_rate(123456), "123456ppm");
    EXPECT_EQ(kpctl::format_rate(1000000), "100%");
}

TEST(RateText, EveryRateParsesBackToItself) {
    for (uint32_t ppm = 0; ppm <= 1000000; ppm++) {
        const std::string text = kpctl::format_rate(ppm);
        uint32_t back = 0;
        try {
            back = kpctl::parse_rate("drop", text);
        } catch (const kpctl::UsageError &e) {
            FAIL() << ppm << " ppm printed as \"" << text << "\": " << e.what();
        }
        ASSERT_EQ(back, ppm) << "printed as \"" << text << "\"";
    }
}

TEST(RateText, SetInputShownAgainMeansTheSame) {
    // Whatever form a rate was given in, what show prints for it is read back
    // as the same rate.
    for (const char *in : {"0", "7", "7ppm", "2500", "0.25%", "1%", "1.0000%", "12.3456%", "100%",
                           "1000000", ".5%"}) {
        const uint32_t ppm = kpctl::parse_rate("drop", in);
        EXPECT_EQ(kpctl::parse_rate("drop", kpctl::format_rate(ppm)), ppm) << in;
    }
}

TEST(ShowOutput, TextLinePastesBackIntoLoopSet) {
    for (uint32_t drop : {0u, 1u, 2500u, 10000u, 123456u, 1000000u}) {
        for (bool admin : {true, false}) {
            loop::LoopLink l = pair_link();
            l.dev.drop_ppm = drop;
            l.dev.corrupt_ppm = 5000;
            l.dev.dup_ppm = 7;
            l.dev.carrier = admin;
            const std::string line = kpctl::format_link(l);
            SCOPED_TRACE(line);
            kpctl::LoopSet set = paste_into_set(line);
            EXPECT_EQ(set.carrier, admin);
            EXPECT_EQ(set.drop_ppm, drop);
            EXPECT_EQ(set.corrupt_ppm, 5000u);
            EXPECT_EQ(set.dup_ppm, 7u);
        }
    }
}

TEST(MonitorOutput, TextEventPastesBackIntoLoopSet) {
    loop::Event ev{loop::EventType::Change, {}};
    ev.dev.ifindex = 3;
    ev.dev.ifname = "kp0";
    ev.dev.carrier = false;
    ev.dev.drop_ppm = 30;
    ev.dev.corrupt_ppm = 300000;
    ev.dev.dup_ppm = 0;
    const std::string line = kpctl::format_event(ev);
    EXPECT_EQ(line, "change 3: kp0: admin-carrier off drop 30ppm corrupt 30% dup 0");
    kpctl::LoopSet set = paste_into_set(line);
    EXPECT_EQ(set.carrier, false);
    EXPECT_EQ(set.drop_ppm, 30u);
    EXPECT_EQ(set.corrupt_ppm, 300000u);
    EXPECT_EQ(set.dup_ppm, 0u);
}

TEST(ShowOutput, OnlyTheRatesTheKernelReported) {
    loop::LoopLink l = pair_link();
    l.dev.corrupt_ppm.reset();
    EXPECT_EQ(kpctl::format_link(l), "5: kp0@kp1: mode pair mtu 1500 state UP carrier on "
                                     "admin-carrier on drop 1% dup 5ppm");
}
