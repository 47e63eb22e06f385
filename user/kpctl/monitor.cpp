// SPDX-License-Identifier: GPL-2.0
// kpctl monitor: print kp_loop notifications from the "events" group.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "cli.hpp"
#include "kpath/error.hpp"
#include "kpath/signals.hpp"

namespace kpctl {

namespace loop = kpath::loop;

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

void write_event_json(kpath::JsonWriter &j, const loop::Event &ev) {
    j.begin_object();
    j.member("event", loop::event_name(ev.type));
    if (!ev.dev.ifname.empty())
        j.member("ifname", ev.dev.ifname);
    j.member("ifindex", ev.dev.ifindex);
    write_dev_config_json(j, ev.dev);
    j.end_object();
}

std::string format_event(const loop::Event &ev) {
    std::string peer;
    // Name the peer when it is in our netns and (still) exists.
    if (ev.dev.peer_ifindex && !ev.dev.peer_netnsid) {
        char buf[IF_NAMESIZE] = {};
        if (if_indextoname(*ev.dev.peer_ifindex, buf))
            peer = buf;
    }
    return std::string(loop::event_name(ev.type)) + " " + format_dev_config(ev.dev, peer);
}

int run_monitor(const Monitor &cmd, const Globals &g, std::ostream &out, std::ostream &err) {
    loop::Monitor mon;
    kpath::StopSignals signals;
    uint64_t seen = 0;

    auto on_event = [&](const loop::Event &ev) {
        if (cmd.count && seen >= *cmd.count)
            return;
        seen++;
        if (g.json) {
            kpath::JsonWriter j(out, false); // one object per line
            write_event_json(j, ev);
            out << '\n';
        } else {
            out << format_event(ev) << '\n';
        }
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
