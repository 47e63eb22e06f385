// SPDX-License-Identifier: GPL-2.0
// Parsing of command line values; each returns nullopt/false on bad input so
// callers can word the error message with the offending token.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace kpath::parse {

// Plain decimal digits only (no sign, spaces, hex or suffix), min..max.
std::optional<uint64_t> unsigned_int(std::string_view s, uint64_t min, uint64_t max);

// A rate in parts per million, 0..max_ppm: an integer ppm, bare or with the
// unit ("2500", "2500ppm"), or a percentage with up to four decimals ("1%",
// "0.25%", "100%").
std::optional<uint32_t> ppm(std::string_view s, uint32_t max_ppm = 1000000);

// "on" / "off".
std::optional<bool> on_off(std::string_view s);

// A name the kernel accepts for a net_device (dev_valid_name()): 1..15
// bytes, not "." or "..", no '/', ':' or whitespace.
bool valid_ifname(std::string_view s);

} // namespace kpath::parse
