// SPDX-License-Identifier: GPL-2.0
// kpctl monitor: kp_loop notifications as they happen.
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

extern const char *const monitor_usage;

struct Monitor {
    std::optional<uint64_t> count;
};
using MonitorCmd = std::variant<Help, Monitor>;

MonitorCmd parse_monitor(Args &args);
int run_monitor(const Monitor &cmd, const Globals &g, std::ostream &out, std::ostream &err);
// An event: one object, or one text line without its newline ("change "
// and the device's configuration, with the peer named when it is in this
// netns).
void print_event(kpath::print::Printer &p, const kpath::loop::Event &ev);
void write_event_json(kpath::JsonWriter &j, const kpath::loop::Event &ev);
std::string format_event(const kpath::loop::Event &ev);

} // namespace kpctl
