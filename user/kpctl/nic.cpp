// SPDX-License-Identifier: GPL-2.0
// kpctl nic: show / rings / irqs over the "kp_nic" generic netlink family.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "nic.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <sstream>
#include <vector>

#include "kpath/error.hpp"
#include "kpath/parse.hpp"
#include "kpath/signals.hpp"

namespace kpctl {

namespace nic = kpath::nic;
using kpath::print::Printer;
using kpath::print::Where;

const char *const nic_usage =
        "Usage: kpctl nic show [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "       kpctl nic rings [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "       kpctl nic irqs [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "       kpctl nic rss [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "       kpctl nic help\n"
        "Rings and interrupt vectors of kp_nic devices, as the driver and the\n"
        "hardware see them now (the kp_nic module's generic netlink family).\n"
        "\"show\" prints everything, \"rings\" the rings, \"irqs\" the vectors, \"rss\"\n"
        "the receive-side scaling key and table; a device that is down has no\n"
        "rings or vectors. --watch prints again every SECS\n"
        "seconds (1..3600, default 1) until interrupted.\n";

namespace {

const char *const show_usage =
        "Usage: kpctl nic show [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "Show kp_nic devices: PCI address, interrupt mode, queue pairs, and\n"
        "while up every ring and interrupt vector (see \"kpctl nic rings\" and\n"
        "\"kpctl nic irqs\"). --watch: again every SECS seconds (default 1).\n";
const char *const rings_usage =
        "Usage: kpctl nic rings [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "Show the rings of kp_nic devices: the hardware head and tail registers,\n"
        "the driver's next-to-use and next-to-clean, descriptors in flight,\n"
        "BQL limit and bytes in flight (TX), doorbells and the ring counters.\n"
        "--watch: again every SECS seconds (default 1).\n";
const char *const irqs_usage = "Usage: kpctl nic irqs [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
                               "Show the interrupt vectors of kp_nic devices: name, Linux irq,\n"
                               "interrupts, NAPI polls, polls that used the whole budget, and\n"
                               "spurious interrupts (that found nothing to do).\n"
                               "--watch: again every SECS seconds (default 1).\n";

const char *const rss_usage =
        "Usage: kpctl nic rss [ [ dev ] NAME ] [ --watch [ SECS ] ]\n"
        "Show the receive-side scaling of kp_nic devices: whether UDP hashes its\n"
        "ports (udp4-ports, udp6-ports), the 40-byte Toeplitz key and the\n"
        "128-entry redirection table (the queue of each entry), as ethtool -x\n"
        "and -n show them. The hardware hashes only with more than one queue\n"
        "pair. --watch: again every SECS seconds (default 1).\n";

const char *usage_of(NicView view) {
    switch (view) {
    case NicView::Rss:
        return rss_usage;
    case NicView::Rings:
        return rings_usage;
    case NicView::Irqs:
        return irqs_usage;
    case NicView::Show:
        break;
    }
    return show_usage;
}

uint32_t parse_watch(const std::string &s) {
    auto v = kpath::parse::unsigned_int(s, 1, nic_watch_max);
    if (!v)
        throw UsageError("invalid watch interval \"" + s + "\": expected 1.." +
                         std::to_string(nic_watch_max) + " seconds");
    return static_cast<uint32_t>(*v);
}

bool is_number(const std::string &s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

NicCmd parse_query(Args &args, NicView view, std::string_view ctx) {
    NicQuery q;
    q.view = view;
    while (!args.empty()) {
        std::string w = args.take();
        if (is_help(w))
            return Help{usage_of(view)};
        if (w == "--watch" || w == "-w") {
            // An interval, if a number follows.
            uint32_t sec = 1;
            if (!args.empty() && is_number(args.peek()))
                sec = parse_watch(args.take());
            set_once(q.watch_sec, sec, ctx, "--watch");
            continue;
        }
        if (w.rfind("--watch=", 0) == 0) {
            set_once(q.watch_sec, parse_watch(w.substr(8)), ctx, "--watch");
            continue;
        }
        if (w == "dev")
            w = args.take_value(ctx, "dev");
        if (q.name)
            unknown_arg(ctx, w);
        q.name = parse_ifname(w);
    }
    return q;
}

// "next_to_use" -> " next-to-use {}"
std::string text_fmt(std::string_view key) {
    std::string s = " ";
    for (char c : key)
        s += c == '_' ? '-' : c;
    return s + " {}";
}

void print_ring(Printer &p, const nic::Ring &r) {
    p.open_object();
    p.text("    ");
    const std::string type = r.type ? nic::ring_type_name(*r.type) : "ring";
    p.field(Where::Json, "index", "", r.index);
    p.field(Where::Json, "type", "", type);
    p.text(type + " " + std::to_string(r.index) + ":");
    for (const auto &f : nic::ring_u32_fields)
        p.field(Where::Any, f.name, text_fmt(f.name), r.*f.member);
    p.text("\n       ");
    for (const auto &f : nic::ring_u64_fields)
        p.field(Where::Any, f.name, text_fmt(f.name), r.*f.member);
    p.newline();
    p.close_object();
}

void print_vector(Printer &p, const nic::Vector &v) {
    p.open_object();
    p.field(Where::Json, "index", "", v.index);
    p.field(Where::Json, "name", "", v.name);
    p.text("    vector " + std::to_string(v.index) + " " + v.name + ":");
    if (v.type)
        p.field(Where::Any, "type", " {}", nic::vector_type_name(*v.type));
    for (const auto &f : nic::vector_u32_fields)
        p.field(Where::Any, f.name, text_fmt(f.name), v.*f.member);
    for (const auto &f : nic::vector_u64_fields)
        p.field(Where::Any, f.name, text_fmt(f.name), v.*f.member);
    p.newline();
    p.close_object();
}

// A JSON array of objects (and a newline), or one text block per device.
void print_all(std::ostream &out, const Globals &g, const std::vector<nic::NicDev> &devs,
               NicView view) {
    Printer p(out, g.json ? kpath::print::Mode::Json : kpath::print::Mode::Text, g.pretty);
    p.open_array();
    for (const auto &d : devs)
        print_nic(p, d, view);
    p.close_array();
    if (g.json)
        out << '\n';
}

int do_query(const NicQuery &q, const Globals &g, std::ostream &out, std::ostream &err) {
    std::optional<uint32_t> ifindex;
    if (q.name)
        ifindex = resolve_ifindex(*q.name);
    nic::Client client; // without the module: "... is its module loaded?"

    auto once = [&] {
        std::vector<nic::NicDev> devs;
        std::vector<std::string> warnings;
        if (ifindex) {
            devs.push_back(client.get(*ifindex));
        } else {
            auto dumped = client.dump(); // retried while interrupted
            devs = std::move(dumped.items);
            warnings = std::move(dumped.warnings);
        }
        print_all(out, g, devs, q.view);
        out.flush();
        print_warnings(warnings, err);
    };

    if (!q.watch_sec) {
        once();
        return 0;
    }
    // Until SIGINT/SIGTERM; text snapshots apart by a blank line, JSON one
    // array per snapshot.
    kpath::StopSignals signals;
    for (bool first = true; !signals.stop_requested(); first = false) {
        if (!first && !g.json)
            out << '\n';
        once();
        const auto deadline = kpath::StopSignals::Clock::now() + std::chrono::seconds(*q.watch_sec);
        if (signals.wait({}, deadline) == kpath::StopSignals::Result::Stop)
            break;
    }
    return 0;
}

struct Verb {
    std::array<std::string_view, 3> names;
    NicView view;
};

const Verb verbs[] = {
        {{"show", "list", "ls"}, NicView::Show},
        {{"rings", "ring"}, NicView::Rings},
        {{"irqs", "irq", "vectors"}, NicView::Irqs},
        {{"rss", "", ""}, NicView::Rss},
};

// "6d:5a:56:..." as ethtool -x prints a key.
std::string hex_colon(const std::vector<uint8_t> &bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < bytes.size(); i++) {
        if (i)
            s += ':';
        s += digits[bytes[i] >> 4];
        s += digits[bytes[i] & 0xf];
    }
    return s;
}

// Text: "    rss udp4-ports off udp6-ports off", "    key ...", then the table
// 16 entries a line, each line led by its first index; JSON: an "rss"
// object.
void print_rss(Printer &p, const nic::Rss &rss) {
    constexpr size_t per_line = 16;

    p.open_object("rss");
    p.text("    rss");
    p.field(Where::Any, "udp4_ports", " udp4-ports {}", rss.udp4_ports);
    p.field(Where::Any, "udp6_ports", " udp6-ports {}", rss.udp6_ports);
    p.newline();
    p.field(Where::Any, "key", "    key {}\n", hex_colon(rss.key));
    if (p.json()) {
        auto &j = p.json_writer();
        j.key("table").begin_array();
        for (uint8_t q : rss.table)
            j.value(static_cast<unsigned>(q));
        j.end_array();
    } else {
        for (size_t i = 0; i < rss.table.size(); i += per_line) {
            std::string line = "    table " + std::to_string(i) + ":";
            for (size_t k = i; k < std::min(i + per_line, rss.table.size()); k++)
                line += " " + std::to_string(rss.table[k]);
            p.text(line + "\n");
        }
    }
    p.close_object();
}

} // namespace

void print_nic(Printer &p, const nic::NicDev &dev, NicView view) {
    p.open_object();
    p.field(Where::Json, "ifindex", "", dev.ifindex);
    p.field(Where::Json, "ifname", "", dev.ifname);
    p.text(std::to_string(dev.ifindex) + ": " + dev.ifname + ":");
    p.field(Where::Any, "pci_addr", " pci {}", dev.pci_addr);
    if (dev.irq_mode)
        p.field(Where::Any, "irq_mode", " irq-mode {}", nic::irq_mode_name(*dev.irq_mode));
    p.field(Where::Any, "queue_pairs", " queue-pairs {}", dev.queue_pairs);
    p.field(Where::Any, "running", " running {}", dev.running);
    p.newline();
    if (view == NicView::Show || view == NicView::Rings) {
        p.open_array("rings");
        for (const auto &r : dev.rings)
            print_ring(p, r);
        p.close_array();
    }
    if (view == NicView::Show || view == NicView::Irqs) {
        p.open_array("vectors");
        for (const auto &v : dev.vectors)
            print_vector(p, v);
        p.close_array();
    }
    if ((view == NicView::Show || view == NicView::Rss) && dev.rss)
        print_rss(p, *dev.rss);
    p.close_object();
}

std::string format_nic(const nic::NicDev &dev, NicView view) {
    std::ostringstream os;
    Printer p(os, kpath::print::Mode::Text);
    print_nic(p, dev, view);
    return os.str();
}

NicCmd parse_nic(Args &args) {
    if (args.empty())
        return NicQuery{}; // like "ip link"
    const std::string cmd = args.take();
    if (is_help(cmd))
        return Help{nic_usage};
    for (const auto &verb : verbs) {
        for (std::string_view name : verb.names) {
            if (!name.empty() && name == cmd)
                return parse_query(args, verb.view, "nic " + std::string(verb.names[0]));
        }
    }
    throw UsageError("unknown nic command \"" + cmd + "\"; try \"kpctl nic help\"");
}

int run_nic(const NicCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    if (const auto *h = std::get_if<Help>(&cmd)) {
        out << h->text;
        return 0;
    }
    return do_query(std::get<NicQuery>(cmd), g, out, err);
}

} // namespace kpctl
