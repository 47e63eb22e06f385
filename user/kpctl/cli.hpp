// SPDX-License-Identifier: GPL-2.0
// kpctl internals shared by main.cpp, the object files and the unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "kpath/json.hpp"
#include "kpath/loop.hpp"

namespace kpctl {

struct Globals {
    bool json = false;
    bool pretty = false;
    std::optional<std::string> netns; // -n NS
};

// Bad command line: printed as "kpctl: <what>", exit status 1.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Unknown device name: printed as is (iproute2 wording), exit status 1.
class NoDeviceError : public std::runtime_error {
public:
    explicit NoDeviceError(const std::string &name)
        : std::runtime_error("Cannot find device \"" + name + "\"") {}
};

// The remaining command line words.
class Args {
public:
    explicit Args(std::vector<std::string> words) : words_(std::move(words)) {}

    bool empty() const noexcept { return pos_ >= words_.size(); }
    const std::string &peek() const { return words_.at(pos_); }
    std::string take() { return words_.at(pos_++); }
    // The value after `keyword`; UsageError `<ctx>: missing value for "<keyword>"`.
    std::string take_value(std::string_view ctx, std::string_view keyword);

private:
    std::vector<std::string> words_;
    size_t pos_ = 0;
};

// "help", "-h", "--help".
bool is_help(std::string_view s);

// Value parsers throwing UsageError with the messages users see.
std::string parse_ifname(const std::string &s);
uint32_t parse_mtu(const std::string &s);
uint32_t parse_rate(std::string_view what, const std::string &s); // what: "drop", ...
bool parse_carrier(const std::string &s);
uint64_t parse_seed(const std::string &s); // 0..UINT64_MAX
uint64_t parse_count(const std::string &s);

// if_nametoindex() in the current netns; NoDeviceError if there is none.
uint32_t resolve_ifindex(const std::string &name);

// Print help text instead of running anything.
struct Help {
    std::string text;
};

// --- loop --------------------------------------------------------------------
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
struct LoopSet {
    std::string name;
    std::optional<uint32_t> drop_ppm;
    std::optional<uint32_t> corrupt_ppm;
    std::optional<uint32_t> dup_ppm;
    std::optional<bool> carrier;
    std::optional<uint64_t> seed;
    std::optional<uint32_t> ge_p_ppm;
    std::optional<uint32_t> ge_r_ppm;
    std::optional<uint32_t> ge_bad_drop_ppm;
    std::optional<uint32_t> ge_good_drop_ppm;
};
struct LoopStats {
    std::optional<std::string> name;
};
using LoopCmd = std::variant<Help, LoopAdd, LoopDel, LoopShow, LoopSet, LoopStats>;

LoopCmd parse_loop(Args &args);
int run_loop(const LoopCmd &cmd, const Globals &g, std::ostream &out, std::ostream &err);

// A rate as `loop set` takes it back: "0", "1%", "0.25%", "2500ppm".
std::string format_rate(uint32_t ppm);

// Output formatting shared with monitor. The text lines end with the
// device's settable configuration in `loop set` syntax
// ("admin-carrier on drop 1% corrupt 0 dup 25ppm"): it can be pasted back.
void write_dev_config_json(kpath::JsonWriter &j, const kpath::loop::LoopDev &dev);
std::string format_dev_config(const kpath::loop::LoopDev &dev, const std::string &peer_name);
void write_link_json(kpath::JsonWriter &j, const kpath::loop::LoopLink &link);
std::string format_link(const kpath::loop::LoopLink &link);
void write_stats_json(kpath::JsonWriter &j, const kpath::loop::LoopDev &dev);
void format_stats(std::ostream &out, const kpath::loop::LoopDev &dev);

// --- monitor ----------------------------------------------------------------
struct Monitor {
    std::optional<uint64_t> count;
};
using MonitorCmd = std::variant<Help, Monitor>;

MonitorCmd parse_monitor(Args &args);
int run_monitor(const Monitor &cmd, const Globals &g, std::ostream &out, std::ostream &err);
void write_event_json(kpath::JsonWriter &j, const kpath::loop::Event &ev);
std::string format_event(const kpath::loop::Event &ev);

// --- top level ----------------------------------------------------------------
extern const char *const main_usage;
extern const char *const loop_usage;
extern const char *const monitor_usage;

// The whole program: argv[0] is skipped. Returns the exit status.
int run(int argc, const char *const argv[], std::ostream &out, std::ostream &err);

} // namespace kpctl
