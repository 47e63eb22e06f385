// SPDX-License-Identifier: GPL-2.0
// kpctl nic: command line, help, usage errors, and the text and JSON made
// of a device (no kernel needed, except the module-not-loaded case, which
// looks at the host as it is).
#include <gtest/gtest.h>

#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "kpath/json.hpp"
#include "kpctl_run.hpp"

namespace nic = kpath::nic;
using kpctl_test::first_line;
using kpctl_test::kpctl_run;
using kpctl_test::Result;

namespace {

kpctl::NicCmd parse(std::vector<std::string> words) {
    kpctl::Args args(std::move(words));
    return kpctl::parse_nic(args);
}

kpctl::NicQuery query(std::vector<std::string> words) {
    auto cmd = parse(std::move(words));
    EXPECT_TRUE(std::holds_alternative<kpctl::NicQuery>(cmd));
    return std::get<kpctl::NicQuery>(cmd);
}

nic::NicDev running_dev() {
    nic::NicDev d;
    d.ifindex = 4;
    d.ifname = "eth1";
    d.pci_addr = "0000:00:0a.0";
    d.irq_mode = nic::IrqMode::Msix;
    d.queue_pairs = 1;
    d.running = true;
    nic::Ring tx;
    tx.index = 0;
    tx.type = nic::RingType::Tx;
    tx.vector = 1;
    tx.size = 256;
    tx.head = 17;
    tx.tail = 17;
    tx.next_to_use = 17;
    tx.next_to_clean = 15;
    tx.in_flight = 2;
    tx.bql_limit = 3028;
    tx.bql_inflight = 120;
    tx.doorbells = 9;
    tx.packets = 8;
    tx.bytes = 800;
    tx.restarts = 0;
    tx.busy = 0;
    tx.dma_errors = 0;
    nic::Ring rx;
    rx.index = 0;
    rx.type = nic::RingType::Rx;
    rx.vector = 1;
    rx.size = 256;
    // head and tail could not be read: absent
    rx.next_to_use = 255;
    rx.next_to_clean = 0;
    rx.in_flight = 255;
    rx.doorbells = 1;
    rx.packets = 2;
    rx.bytes = 120;
    rx.alloc_failed = 0;
    rx.csum_errors = 0;
    rx.drops = 0;
    d.rings = {tx, rx};
    nic::Vector other;
    other.index = 0;
    other.type = nic::VectorType::Other;
    other.name = "eth1";
    other.irq = 40;
    other.interrupts = 3;
    nic::Vector q;
    q.index = 1;
    q.type = nic::VectorType::Queue;
    q.name = "eth1-TxRx-0";
    q.irq = 41;
    q.interrupts = 12;
    q.polls = 13;
    q.polls_full = 0;
    q.spurious = 5;
    d.vectors = {other, q};
    return d;
}

std::string json_of(const nic::NicDev &d, kpctl::NicView view) {
    std::ostringstream os;
    kpath::print::Printer p(os, kpath::print::Mode::Json);
    kpctl::print_nic(p, d, view);
    return os.str();
}

} // namespace

TEST(NicCli, HelpAtEveryLevel) {
    Result r = kpctl_run({"nic", "help"});
    EXPECT_EQ(r.rc, 0);
    EXPECT_EQ(r.out, kpctl::nic_usage);
    EXPECT_EQ(kpctl_run({"nic", "--help"}).out, kpctl::nic_usage);
    for (const char *verb : {"show", "rings", "irqs"}) {
        r = kpctl_run({"nic", verb, "help"});
        EXPECT_EQ(r.rc, 0) << verb;
        EXPECT_EQ(first_line(r.out), std::string("Usage: kpctl nic ") + verb +
                                             " [ [ dev ] NAME ] [ --watch [ SECS ] ]")
                << verb;
        EXPECT_EQ(kpctl_run({"nic", verb, "dev", "eth0", "--help"}).out, r.out) << verb;
    }
    // The object is in the top-level usage.
    EXPECT_NE(std::string(kpctl::main_usage).find("| nic |"), std::string::npos);
}

TEST(NicCli, RssVerb) {
    EXPECT_EQ(query({"rss", "dev", "eth1"}).view, kpctl::NicView::Rss);
    EXPECT_EQ(query({"rss", "eth1"}).name, "eth1");
}

TEST(NicCli, ParseViewsNamesAndWatch) {
    auto q = query({});
    EXPECT_EQ(q.view, kpctl::NicView::Show);
    EXPECT_FALSE(q.name);
    EXPECT_FALSE(q.watch_sec);

    q = query({"rings", "eth0"});
    EXPECT_EQ(q.view, kpctl::NicView::Rings);
    EXPECT_EQ(q.name, "eth0");

    q = query({"irqs", "dev", "eth0", "--watch"});
    EXPECT_EQ(q.view, kpctl::NicView::Irqs);
    EXPECT_EQ(q.name, "eth0");
    EXPECT_EQ(q.watch_sec, 1u);

    q = query({"show", "--watch", "5", "eth2"});
    EXPECT_EQ(q.watch_sec, 5u);
    EXPECT_EQ(q.name, "eth2");

    q = query({"ls", "--watch=3600"});
    EXPECT_EQ(q.view, kpctl::NicView::Show);
    EXPECT_EQ(q.watch_sec, 3600u);

    q = query({"vectors", "-w"});
    EXPECT_EQ(q.view, kpctl::NicView::Irqs);
    EXPECT_EQ(q.watch_sec, 1u);
}

TEST(NicCli, UsageErrorsNameTheToken) {
    struct Case {
        std::vector<const char *> args;
        const char *err;
    };
    const Case cases[] = {
            {{"nic", "frob"}, "kpctl: unknown nic command \"frob\"; try \"kpctl nic help\"\n"},
            {{"nic", "show", "eth0", "eth1"}, "kpctl: nic show: unknown argument \"eth1\"\n"},
            {{"nic", "rings", "dev"}, "kpctl: nic rings: missing value for \"dev\"\n"},
            {{"nic", "irqs", "--watch", "0"},
             "kpctl: invalid watch interval \"0\": expected 1..3600 seconds\n"},
            {{"nic", "show", "--watch=4000"},
             "kpctl: invalid watch interval \"4000\": expected 1..3600 seconds\n"},
            {{"nic", "show", "--watch", "--watch"}, "kpctl: nic show: duplicate \"--watch\"\n"},
            {{"nic", "show", "a/b"},
             "kpctl: invalid device name \"a/b\": expected 1..15 characters without '/', ':' or "
             "whitespace\n"},
    };
    for (const auto &c : cases) {
        Result r = kpctl_run(c.args);
        EXPECT_EQ(r.rc, 1) << c.err;
        EXPECT_EQ(r.out, "") << c.err;
        EXPECT_EQ(r.err, c.err);
    }
}

TEST(NicCli, UnknownDeviceBeforeAnyNetlink) {
    Result r = kpctl_run({"nic", "rings", "kpnonexist0"});
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.err, "Cannot find device \"kpnonexist0\"\n");
}

// Without the module the family does not exist: the error says so.
TEST(NicCli, ModuleNotLoadedIsAClearError) {
    Result r = kpctl_run({"nic", "show"});
    if (access("/sys/module/kp_nic", F_OK) == 0) {
        EXPECT_EQ(r.rc, 0) << r.err; // loaded here: a dump, maybe empty
        return;
    }
    EXPECT_EQ(r.rc, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "Error: generic netlink family \"kp_nic\" not found, is its module "
                     "loaded? (No such file or directory)\n");
}

TEST(NicOutput, TextShowHasHeaderRingsAndVectors) {
    EXPECT_EQ(kpctl::format_nic(running_dev(), kpctl::NicView::Show),
              "4: eth1: pci 0000:00:0a.0 irq-mode msix queue-pairs 1 running on\n"
              "    tx 0: vector 1 size 256 head 17 tail 17 next-to-use 17 next-to-clean 15 "
              "in-flight 2 bql-limit 3028 bql-inflight 120\n"
              "        doorbells 9 packets 8 bytes 800 restarts 0 busy 0 dma-errors 0\n"
              "    rx 0: vector 1 size 256 next-to-use 255 next-to-clean 0 in-flight 255\n"
              "        doorbells 1 packets 2 bytes 120 alloc-failed 0 csum-errors 0 drops 0\n"
              "    vector 0 eth1: other irq 40 interrupts 3\n"
              "    vector 1 eth1-TxRx-0: queue irq 41 interrupts 12 polls 13 polls-full 0 "
              "spurious 5\n");
}

TEST(NicOutput, TextViewsPickTheirPart) {
    const nic::NicDev d = running_dev();
    const std::string rings = kpctl::format_nic(d, kpctl::NicView::Rings);
    EXPECT_NE(rings.find("    tx 0:"), std::string::npos);
    EXPECT_EQ(rings.find("vector 0 eth1"), std::string::npos);
    const std::string irqs = kpctl::format_nic(d, kpctl::NicView::Irqs);
    EXPECT_EQ(irqs.find("    tx 0:"), std::string::npos);
    EXPECT_NE(irqs.find("    vector 1 eth1-TxRx-0: queue"), std::string::npos);
}

nic::Rss small_rss() {
    nic::Rss r;
    r.key = {0x6d, 0x5a, 0x01};
    for (uint8_t i = 0; i < 20; i++)
        r.table.push_back(i % 2);
    r.udp4_ports = true;
    r.udp6_ports = false;
    return r;
}

TEST(NicOutput, TextRssViewHasKeyAndTable16ALine) {
    nic::NicDev d = running_dev();
    d.rss = small_rss();
    EXPECT_EQ(kpctl::format_nic(d, kpctl::NicView::Rss),
              "4: eth1: pci 0000:00:0a.0 irq-mode msix queue-pairs 1 running on\n"
              "    rss udp4-ports on udp6-ports off\n"
              "    key 6d:5a:01\n"
              "    table 0: 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1\n"
              "    table 16: 0 1 0 1\n");
    // not in the rings or irqs views
    EXPECT_EQ(kpctl::format_nic(d, kpctl::NicView::Rings).find("rss"), std::string::npos);
}

TEST(NicOutput, JsonRssIsAnObjectWithATableArray) {
    nic::NicDev d;
    d.ifindex = 5;
    d.ifname = "eth2";
    d.running = false;
    d.rss = small_rss();
    d.rss->table.resize(3);
    EXPECT_EQ(json_of(d, kpctl::NicView::Rss),
              "{\"ifindex\":5,\"ifname\":\"eth2\",\"running\":false,"
              "\"rss\":{\"udp4_ports\":true,\"udp6_ports\":false,\"key\":\"6d:5a:01\","
              "\"table\":[0,1,0]}}");
}

TEST(NicOutput, TextDownDeviceIsOneLine) {
    nic::NicDev d;
    d.ifindex = 5;
    d.ifname = "eth2";
    d.pci_addr = "0000:00:0c.0";
    d.irq_mode = nic::IrqMode::Intx;
    d.queue_pairs = 1;
    d.running = false;
    EXPECT_EQ(kpctl::format_nic(d, kpctl::NicView::Show),
              "5: eth2: pci 0000:00:0c.0 irq-mode intx queue-pairs 1 running off\n");
}

TEST(NicOutput, JsonShowHasEverythingAndOmitsWhatWasNotSent) {
    EXPECT_EQ(json_of(running_dev(), kpctl::NicView::Show),
              "{\"ifindex\":4,\"ifname\":\"eth1\",\"pci_addr\":\"0000:00:0a.0\","
              "\"irq_mode\":\"msix\",\"queue_pairs\":1,\"running\":true,"
              "\"rings\":["
              "{\"index\":0,\"type\":\"tx\",\"vector\":1,\"size\":256,\"head\":17,\"tail\":17,"
              "\"next_to_use\":17,\"next_to_clean\":15,\"in_flight\":2,\"bql_limit\":3028,"
              "\"bql_inflight\":120,\"doorbells\":9,\"packets\":8,\"bytes\":800,"
              "\"restarts\":0,\"busy\":0,\"dma_errors\":0},"
              "{\"index\":0,\"type\":\"rx\",\"vector\":1,\"size\":256,"
              "\"next_to_use\":255,\"next_to_clean\":0,\"in_flight\":255,\"doorbells\":1,"
              "\"packets\":2,\"bytes\":120,\"alloc_failed\":0,\"csum_errors\":0,\"drops\":0}],"
              "\"vectors\":["
              "{\"index\":0,\"name\":\"eth1\",\"type\":\"other\",\"irq\":40,\"interrupts\":3},"
              "{\"index\":1,\"name\":\"eth1-TxRx-0\",\"type\":\"queue\",\"irq\":41,"
              "\"interrupts\":12,\"polls\":13,\"polls_full\":0,\"spurious\":5}]}");
}

TEST(NicOutput, JsonViewsCarryOneArrayEach) {
    const nic::NicDev d = running_dev();
    const std::string rings = json_of(d, kpctl::NicView::Rings);
    EXPECT_NE(rings.find("\"rings\":["), std::string::npos);
    EXPECT_EQ(rings.find("\"vectors\""), std::string::npos);
    const std::string irqs = json_of(d, kpctl::NicView::Irqs);
    EXPECT_EQ(irqs.find("\"rings\""), std::string::npos);
    EXPECT_NE(irqs.find("\"vectors\":["), std::string::npos);

    nic::NicDev down;
    down.ifindex = 5;
    down.ifname = "eth2";
    down.running = false;
    // A down device: empty arrays, as YNL shows none
    EXPECT_EQ(json_of(down, kpctl::NicView::Show),
              "{\"ifindex\":5,\"ifname\":\"eth2\",\"running\":false,\"rings\":[],"
              "\"vectors\":[]}");
}
