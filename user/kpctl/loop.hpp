// SPDX-License-Identifier: GPL-2.0
// kpctl loop: the commands of the "loop" object and its output.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <variant>

#include "common.hpp"
#include "kpath/json.hpp"
#include "kpath/loop.hpp"
#include "kpath/print.hpp"

namespace kpctl {

extern const char *const loop_usage;

// As `ip link add`: the keywords before "peer" are the device's, those after
// it the peer's.
struct LoopAdd {
    std::string name;
    std::optional<std::string> netns; // the device's
    std::optional<uint32_t> mtu;      // the device's (and the peer's, unless it has one)
    std::optional<std::string> peer;
    std::optional<std::string> peer_netns;
    std::optional<uint32_t> peer_mtu;
};
// The library's request for a LoopAdd, with the namespaces (when given)
// already opened as netns_fd / peer_netns_fd.
kpath::loop::AddRequest add_request(const LoopAdd &cmd, int netns_fd = -1, int peer_netns_fd = -1);

struct LoopDel {
    std::string name;
};
struct LoopShow {
    std::optional<std::string> name;
};
// The values of DEV_SET as parsed; the device is resolved when it runs.
struct LoopSet : kpath::loop::SetRequest {
    std::string name;
};
struct LoopStats {
    std::optional<std::string> name;
};
using LoopCmd = std::variant<Help, LoopAdd, LoopDel, LoopShow, LoopSet, LoopStats>;

LoopCmd parse_loop(Args &args);
int run_loop(const LoopCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err);

// A rate as `loop set` takes it back: "0", "1%", "0.25%", "2500ppm".
std::string format_rate(uint32_t ppm);

// Output shared with monitor, one printer for text and JSON (each field is
// written once, see kpath/print.hpp). The text lines end with the device's
// settable configuration in `loop set` syntax
// ("admin-carrier on drop 1% corrupt 0 dup 25ppm"): it can be pasted back.
//
// print_dev_config: the "IFINDEX: NAME[@PEER]:" header and configuration in
// text, the configuration members in JSON (in the caller's object).
void print_dev_config(kpath::print::Printer &p, const kpath::loop::LoopDev &dev,
                      const std::string &peer_name);
// One object per link / device; a link's text is one line (with its newline),
// a device's statistics a header line and aligned counter rows.
void print_link(kpath::print::Printer &p, const kpath::loop::LoopLink &link);
void print_stats(kpath::print::Printer &p, const kpath::loop::LoopDev &dev);

// The same through a JSON writer, or as text (format_link without the
// newline).
void write_dev_config_json(kpath::JsonWriter &j, const kpath::loop::LoopDev &dev);
std::string format_dev_config(const kpath::loop::LoopDev &dev, const std::string &peer_name);
void write_link_json(kpath::JsonWriter &j, const kpath::loop::LoopLink &link);
std::string format_link(const kpath::loop::LoopLink &link);
void write_stats_json(kpath::JsonWriter &j, const kpath::loop::LoopDev &dev);
void format_stats(std::ostream &out, const kpath::loop::LoopDev &dev);

} // namespace kpctl
