// SPDX-License-Identifier: GPL-2.0
// kpctl monitor: print kp_loop notifications from the "events" group.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include <sstream>

#include "kpath/error.hpp"
#include "kpath/signals.hpp"
#include "loop.hpp" // print_dev_config
#include "monitor.hpp"

namespace kpctl {

namespace loop = kpath::loop;
using kpath::print::Printer;
using kpath::print::Where;

const char *const monitor_usage =
        "Usage: kpctl monitor [ loop ] [ count N ]\n"
        "Print kp_loop device events (add, del, change) as they happen, one line\n"
        "(or, with -j, one JSON object) per event. Stops after N events if given,\n"
        "else on SIGINT or SIGTERM (one that is ignored when kpctl starts, as under\n"
        "nohup or in a background job, stays ignored).\n";

MonitorCmd parse_monitor(Args &args) {
    constexpr std::string_view ctx = "monitor";
    Monitor cmd;
    bool object = false;
    while (!args.empty()) {
        const std::string w = args.take();
        if (is_help(w))
            return Help{monitor_usage};
        if (w == "loop" && !object) {
            object = true;
        } else if (w == "count") {
            if (cmd.count)
                throw UsageError("monitor: duplicate \"count\"");
            cmd.count = parse_count(args.take_value(ctx, w));
        } else {
            throw UsageError("monitor: unknown argument \"" + w + "\"");
        }
    }
    return cmd;
}

void print_event(Printer &p, const loop::Event &ev) {
    p.open_object();
    p.field(Where::Any, "event", "{} ", loop::event_name(ev.type));
    if (!ev.dev.ifname.empty())
        p.field(Where::Json, "ifname", "", ev.dev.ifname);
    p.field(Where::Json, "ifindex", "", ev.dev.ifindex);
    std::string peer;
    // Text names the peer when it is in our netns and (still) exists.
    if (!p.json() && ev.dev.peer_ifindex && !ev.dev.peer_netnsid) {
        char buf[IF_NAMESIZE] = {};
        if (if_indextoname(*ev.dev.peer_ifindex, buf))
            peer = buf;
    }
    print_dev_config(p, ev.dev, peer);
    p.close_object();
}

void write_event_json(kpath::JsonWriter &j, const loop::Event &ev) {
    Printer p(j);
    print_event(p, ev);
}

std::string format_event(const loop::Event &ev) {
    std::ostringstream os;
    Printer p(os, kpath::print::Mode::Text);
    print_event(p, ev);
    return os.str();
}

int run_monitor(const Monitor &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    loop::Monitor mon;
    kpath::StopSignals signals;
    uint64_t seen = 0;

    auto on_event = [&](const loop::Event &ev) {
        if (cmd.count && seen >= *cmd.count)
            return;
        seen++;
        // One object per line with -j (never pretty).
        Printer p(out, g.json ? kpath::print::Mode::Json : kpath::print::Mode::Text);
        print_event(p, ev);
        out << '\n';
        out.flush(); // readers sit on the other end of a pipe
    };

    while (!cmd.count || seen < *cmd.count) {
        if (signals.wait(mon.fd()) == kpath::StopSignals::Result::Stop)
            break;
        try {
            mon.process(on_event);
        } catch (const kpath::EventsLost &) {
            // The socket overflowed (ENOBUFS) and the kernel dropped events;
            // what is queued after the overflow is read on the next round.
            // Any other error (ENOMEM included) ends the monitor.
            out.flush();
            err << "kpctl: events lost (receive buffer overflow); continuing\n";
            err.flush();
        }
    }
    return 0;
}

} // namespace kpctl
