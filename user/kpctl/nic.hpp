// SPDX-License-Identifier: GPL-2.0
// kpctl nic: the kp_nic devices' rings and interrupt vectors (the "kp_nic"
// generic netlink family), read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <variant>

#include "common.hpp"
#include "kpath/nic.hpp"
#include "kpath/print.hpp"

namespace kpctl {

extern const char *const nic_usage;

// What a command shows of each device: everything, the rings, the vectors.
enum class NicView { Show, Rings, Irqs, Rss };

struct NicQuery {
    NicView view = NicView::Show;
    std::optional<std::string> name;   // one device, else all of the netns
    std::optional<uint32_t> watch_sec; // --watch: again every so many seconds
};
using NicCmd = std::variant<Help, NicQuery>;

// Largest --watch interval, seconds (the default is 1).
inline constexpr uint32_t nic_watch_max = 3600;

NicCmd parse_nic(Args &args);
int run_nic(const NicCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err);

// One object per device, one printer for text and JSON (kpath/print.hpp).
// Text: a header line "IFINDEX: NAME: pci ADDR irq-mode MODE queue-pairs N
// running on|off", then one line per ring ("tx 0: vector 1 size 256 head
// ...", counters on a second line) and/or per vector ("vector 1
// eth0-TxRx-0: queue irq 45 interrupts ..."), and/or RSS ("rss udp4-ports
// off udp6-ports off", "key 6d:5a:...", the table 16 entries a line).
// JSON: the header's members, then "rings" and/or "vectors" arrays and/or
// an "rss" object; keys as the YNL spec's names with '_' for '-'.
void print_nic(kpath::print::Printer &p, const kpath::nic::NicDev &dev, NicView view);
// The text of print_nic().
std::string format_nic(const kpath::nic::NicDev &dev, NicView view);

} // namespace kpctl
