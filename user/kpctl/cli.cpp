// SPDX-License-Identifier: GPL-2.0
// kpctl: global options, dispatch to objects, shared value parsers.
// <net/if.h> must come before <linux/if.h> (pulled in by libnl headers).
#include <net/if.h>

#include "cli.hpp"

#include <cstring>

#include <netlink/version.h>

#include <linux/kp_loop.h>

#include "kpath/error.hpp"
#include "kpath/netlink.hpp"
#include "kpath/netns.hpp"
#include "kpath/parse.hpp"

#ifndef KPATH_VERSION
#define KPATH_VERSION "0.0.0"
#endif

namespace kpctl {

const char *const main_usage =
        "Usage: kpctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
        "       kpctl help\n"
        "where  OBJECT := { loop | dgram | nic | monitor }\n"
        "       OPTIONS := { -j | --json }         JSON output\n"
        "                  { -p | --pretty }       indent JSON output\n"
        "                  { -n | --netns } NS     run in network namespace NS\n"
        "                                          (/run/netns/NS, or a path)\n"
        "                  { -h | --help }         show this help\n"
        "                  { -V | --version }      show the version\n"
        "Try \"kpctl OBJECT help\" for the commands of an object.\n";

std::string Args::take_value(std::string_view ctx, std::string_view keyword) {
    if (empty())
        throw UsageError((ctx.empty() ? std::string() : std::string(ctx) + ": ") +
                         "missing value for \"" + std::string(keyword) + "\"");
    return take();
}

bool is_help(std::string_view s) {
    return s == "help" || s == "-h" || s == "--help";
}

std::string parse_ifname(const std::string &s) {
    if (!kpath::parse::valid_ifname(s))
        throw UsageError("invalid device name \"" + s +
                         "\": expected 1..15 characters without '/', ':' or whitespace");
    return s;
}

uint32_t parse_mtu(const std::string &s) {
    constexpr uint64_t min_mtu = 68; // IPv4 minimum (ETH_MIN_MTU)
    auto v = kpath::parse::unsigned_int(s, min_mtu, KP_LOOP_MAX_MTU);
    if (!v)
        throw UsageError("invalid mtu \"" + s + "\": expected " + std::to_string(min_mtu) + ".." +
                         std::to_string(KP_LOOP_MAX_MTU));
    return static_cast<uint32_t>(*v);
}

uint32_t parse_rate(std::string_view what, const std::string &s) {
    auto v = kpath::parse::ppm(s, KP_LOOP_PPM_MAX);
    if (!v)
        throw UsageError("invalid " + std::string(what) + " rate \"" + s + "\": expected 0.." +
                         std::to_string(KP_LOOP_PPM_MAX) + " ppm or a percentage");
    return *v;
}

bool parse_carrier(const std::string &s) {
    auto v = kpath::parse::on_off(s);
    if (!v)
        throw UsageError("invalid carrier \"" + s + "\": expected \"on\" or \"off\"");
    return *v;
}

uint64_t parse_seed(const std::string &s) {
    auto v = kpath::parse::unsigned_int(s, 0, UINT64_MAX);
    if (!v)
        throw UsageError("invalid seed \"" + s + "\": expected 0 (none) or a positive integer");
    return *v;
}

uint64_t parse_count(const std::string &s) {
    auto v = kpath::parse::unsigned_int(s, 1, UINT64_MAX);
    if (!v)
        throw UsageError("invalid count \"" + s + "\": expected a positive integer");
    return *v;
}

void unknown_arg(std::string_view ctx, const std::string &arg) {
    throw UsageError(std::string(ctx) + ": unknown argument \"" + arg + "\"");
}

void print_warnings(const std::vector<std::string> &warnings, std::ostream &err) {
    for (const auto &w : warnings)
        err << "Warning: " << w << '\n';
}

void print_warnings(const kpath::Socket &sock, std::ostream &err) {
    print_warnings(sock.warnings(), err);
}

uint32_t resolve_ifindex(const std::string &name) {
    unsigned idx = if_nametoindex(name.c_str());
    if (!idx)
        throw NoDeviceError(name);
    return idx;
}

namespace {

void print_version(std::ostream &out) {
    out << "kpctl " KPATH_VERSION " (" LIBNL_STRING ")\n";
}

// Global options, before OBJECT as with ip(8). Returns false to exit 0 at once.
bool parse_globals(Args &args, Globals &g, std::ostream &out) {
    while (!args.empty() && args.peek().size() > 1 && args.peek()[0] == '-') {
        const std::string opt = args.take();
        if (opt == "--")
            break;
        if (opt == "-j" || opt == "--json" || opt == "-json") {
            g.json = true;
        } else if (opt == "-p" || opt == "--pretty" || opt == "-pretty") {
            g.pretty = true;
        } else if (opt == "-n" || opt == "--netns" || opt == "-netns") {
            g.netns = args.take_value("", opt);
        } else if (opt.rfind("--netns=", 0) == 0) {
            g.netns = opt.substr(std::strlen("--netns="));
        } else if (opt == "-h" || opt == "--help" || opt == "-help") {
            out << main_usage;
            return false;
        } else if (opt == "-V" || opt == "--version" || opt == "-Version") {
            print_version(out);
            return false;
        } else {
            throw UsageError("unknown option \"" + opt + "\"; try \"kpctl help\"");
        }
    }
    if (g.netns && g.netns->empty())
        throw UsageError("empty network namespace name");
    return true;
}

// -n NS: the command runs in NS, and the guard takes the thread back to
// where it was when the command is done (run() may be called again in the
// same process, as the unit tests do). Before any socket is opened.
std::optional<kpath::NetnsGuard> enter_netns(const Globals &g) {
    std::optional<kpath::NetnsGuard> guard;
    if (g.netns)
        guard.emplace(*g.netns);
    return guard;
}

// Parse an object's command line; print its help, or enter -n NS and run it.
template <typename Cmd, typename Run>
int dispatch(const Cmd &cmd, const Globals &g, std::ostream &out, Run &&run_cmd) {
    if (auto *h = std::get_if<Help>(&cmd)) {
        out << h->text;
        return 0;
    }
    const auto netns = enter_netns(g);
    return run_cmd();
}

int run_loop_object(Args &args, const Globals &g, std::ostream &out, std::ostream &err) {
    const LoopCmd cmd = parse_loop(args);
    return dispatch(cmd, g, out, [&] { return run_loop(cmd, g, out, err); });
}

int run_dgram_object(Args &args, const Globals &g, std::ostream &out, std::ostream &err) {
    const DgramCmd cmd = parse_dgram(args);
    return dispatch(cmd, g, out, [&] { return run_dgram(cmd, g, out, err); });
}

int run_nic_object(Args &args, const Globals &g, std::ostream &out, std::ostream &err) {
    const NicCmd cmd = parse_nic(args);
    return dispatch(cmd, g, out, [&] { return run_nic(cmd, g, out, err); });
}

int run_monitor_object(Args &args, const Globals &g, std::ostream &out, std::ostream &err) {
    const MonitorCmd cmd = parse_monitor(args);
    return dispatch(cmd, g, out, [&] { return run_monitor(std::get<Monitor>(cmd), g, out, err); });
}

// The objects of "kpctl OBJECT ...": each parses the rest of the command line
// (its verbs) and runs it.
struct Object {
    std::string_view name;
    int (*run)(Args &args, const Globals &g, std::ostream &out, std::ostream &err);
};

const Object objects[] = {
        {"loop", run_loop_object},
        {"dgram", run_dgram_object},
        {"nic", run_nic_object},
        {"monitor", run_monitor_object},
};

} // namespace

int run(int argc, const char *const argv[], std::ostream &out, std::ostream &err) {
    std::vector<std::string> words;
    for (int i = 1; i < argc; i++)
        words.emplace_back(argv[i]);
    Args args(std::move(words));
    Globals g;

    try {
        if (!parse_globals(args, g, out))
            return 0;
        if (args.empty()) {
            err << main_usage;
            return 1;
        }
        const std::string object = args.take();
        if (is_help(object)) {
            out << main_usage;
            return 0;
        }
        for (const auto &obj : objects) {
            if (obj.name == object)
                return obj.run(args, g, out, err);
        }
        throw UsageError("unknown object \"" + object + "\"; try \"kpctl help\"");
    } catch (const UsageError &e) {
        out.flush();
        err << "kpctl: " << e.what() << '\n';
        return 1;
    } catch (const NoDeviceError &e) {
        out.flush();
        err << e.what() << '\n';
        return 1;
    } catch (const kpath::NetnsError &e) {
        out.flush();
        err << e.note() << ": " << std::strerror(e.error()) << '\n';
        return 1;
    } catch (const kpath::Error &e) {
        out.flush();
        err << "Error: " << e.describe() << '\n';
        return 2;
    } catch (const std::exception &e) {
        out.flush();
        err << "kpctl: " << e.what() << '\n';
        return 2;
    }
}

} // namespace kpctl
