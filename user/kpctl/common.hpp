// SPDX-License-Identifier: GPL-2.0
// kpctl internals shared by every object: global options, errors, the
// command line words and value parsers, warnings.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kpath {
class Socket;
} // namespace kpath

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

// A word the command does not take: UsageError `<ctx>: unknown argument "<arg>"`.
[[noreturn]] void unknown_arg(std::string_view ctx, const std::string &arg);

// A keyword's value, once: UsageError `<ctx>: duplicate "<kw>"` the second time.
template <typename T>
void set_once(std::optional<T> &slot, T value, std::string_view ctx, const std::string &kw) {
    if (slot)
        throw UsageError(std::string(ctx) + ": duplicate \"" + kw + "\"");
    slot = std::move(value);
}

// Value parsers throwing UsageError with the messages users see.
std::string parse_ifname(const std::string &s);
uint32_t parse_mtu(const std::string &s);
uint32_t parse_rate(std::string_view what, const std::string &s); // what: "drop", ...
bool parse_carrier(const std::string &s);
uint64_t parse_seed(const std::string &s); // 0..UINT64_MAX
uint64_t parse_count(const std::string &s);

// if_nametoindex() in the current netns; NoDeviceError if there is none.
uint32_t resolve_ifindex(const std::string &name);

// Extack warnings, and dump_interrupted_warning for a dump that stayed
// inconsistent: "Warning: <text>" on stderr, after the command's output.
void print_warnings(const std::vector<std::string> &warnings, std::ostream &err);
// The warnings of the socket's last request.
void print_warnings(const kpath::Socket &sock, std::ostream &err);

// Print help text instead of running anything.
struct Help {
    std::string text;
};

} // namespace kpctl
