// SPDX-License-Identifier: GPL-2.0
#include "kpath/parse.hpp"

#include <net/if.h>

namespace kpath::parse {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

std::optional<uint64_t> unsigned_int(std::string_view s, uint64_t min, uint64_t max) {
    if (s.empty())
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c))
            return std::nullopt;
        const auto d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return std::nullopt;
    return v;
}

std::optional<uint32_t> ppm(std::string_view s, uint32_t max_ppm) {
    if (s.empty())
        return std::nullopt;
    if (s.back() != '%') {
        constexpr std::string_view unit = "ppm";
        if (s.size() > unit.size() && s.substr(s.size() - unit.size()) == unit)
            s.remove_suffix(unit.size());
        auto v = unsigned_int(s, 0, max_ppm);
        if (!v)
            return std::nullopt;
        return static_cast<uint32_t>(*v);
    }

    // Percent: 1% = 10000 ppm, so four decimals are exact; more are only
    // accepted as trailing zeros.
    s.remove_suffix(1);
    const size_t dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    if (whole.empty() && frac.empty())
        return std::nullopt;
    if (dot != std::string_view::npos && frac.empty())
        return std::nullopt; // "1.%"

    uint64_t v = 0;
    if (!whole.empty()) {
        auto w = unsigned_int(whole, 0, 100);
        if (!w)
            return std::nullopt;
        v = *w * 10000;
    }
    for (size_t i = 0; i < frac.size(); i++) {
        if (!is_digit(frac[i]))
            return std::nullopt;
        const auto d = static_cast<uint64_t>(frac[i] - '0');
        if (i < 4) {
            static const uint64_t scale[] = {1000, 100, 10, 1};
            v += d * scale[i];
        } else if (d != 0) {
            return std::nullopt; // finer than 1 ppm
        }
    }
    if (v > max_ppm)
        return std::nullopt;
    return static_cast<uint32_t>(v);
}

std::optional<bool> on_off(std::string_view s) {
    if (s == "on")
        return true;
    if (s == "off")
        return false;
    return std::nullopt;
}

bool valid_ifname(std::string_view s) {
    if (s.empty() || s.size() >= IFNAMSIZ || s == "." || s == "..")
        return false;
    for (char c : s) {
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
            c == '\f' || c == '\0')
            return false;
    }
    return true;
}

} // namespace kpath::parse
