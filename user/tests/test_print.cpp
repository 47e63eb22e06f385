// SPDX-License-Identifier: GPL-2.0
// One printer, two outputs: the same calls make text or JSON.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "kpath/json.hpp"
#include "kpath/print.hpp"

using kpath::print::Mode;
using kpath::print::Printer;
using kpath::print::Where;

namespace {

// A device-like object printed once, in either mode.
void print_thing(Printer &p) {
    p.open_object();
    p.field(Where::Json, "ifindex", "", 5u);
    p.text("5: kp0:");
    p.field(Where::Any, "mode", " mode {}", std::string("pair"));
    p.field(Where::Any, "mtu", " mtu {}", std::optional<uint32_t>(1500));
    p.field(Where::Any, "missing", " missing {}", std::optional<uint32_t>());
    p.field(Where::Any, "netnsid", " link-netnsid {}", int32_t{-1});
    p.field(Where::Any, "carrier", " carrier {}", true);
    p.field(Where::Any, "drop_ppm", " drop {}", uint32_t{10000}, "1%");
    p.field(Where::Text, "text_only", " [{}]", std::string_view("t"));
    p.open_rows("stats");
    p.field(Where::Any, "tx_packets", "{}", uint64_t{1234567});
    p.field(Where::Any, "rx_packets", "{}", std::optional<uint64_t>(0));
    p.field(Where::Any, "runts", "{}", std::optional<uint64_t>());
    p.close_rows(2);
    p.close_object();
}

std::string run(Mode mode, bool pretty = false) {
    std::ostringstream os;
    Printer p(os, mode, pretty);
    print_thing(p);
    return os.str();
}

} // namespace

TEST(Printer, TextFromFormats) {
    EXPECT_EQ(run(Mode::Text), "5: kp0: mode pair mtu 1500 link-netnsid -1 carrier on drop 1% [t]"
                               "  tx_packets  1234567\n"
                               "  rx_packets        0\n");
}

TEST(Printer, JsonFromKeys) {
    EXPECT_EQ(run(Mode::Json), "{\"ifindex\":5,\"mode\":\"pair\",\"mtu\":1500,\"netnsid\":-1,"
                               "\"carrier\":true,\"drop_ppm\":10000,"
                               "\"stats\":{\"tx_packets\":1234567,\"rx_packets\":0}}");
}

TEST(Printer, PrettyJsonAndExistingWriter) {
    std::ostringstream direct;
    {
        Printer p(direct, Mode::Json, true);
        p.open_array();
        p.open_object().field(Where::Any, "a", "{}", 1).close_object();
        p.close_array();
    }
    EXPECT_EQ(direct.str(), "[\n    {\n        \"a\": 1\n    }\n]");

    std::ostringstream os;
    kpath::JsonWriter j(os);
    j.begin_object();
    Printer p(j);
    EXPECT_TRUE(p.json());
    p.field(Where::Json, "x", "", std::string("y"));
    p.text("ignored");
    p.newline();
    p.open_array("list").close_array();
    j.end_object();
    EXPECT_EQ(os.str(), "{\"x\":\"y\",\"list\":[]}");
}

TEST(Printer, TextIgnoresJsonStructure) {
    std::ostringstream os;
    Printer p(os, Mode::Text);
    EXPECT_FALSE(p.json());
    p.open_array("a").open_object("b");
    p.field(Where::Json, "k", "{}", 1);
    p.close_object().close_array().newline();
    EXPECT_EQ(os.str(), "\n");
}

TEST(Printer, Reals) {
    auto print = [](Printer &p) {
        p.open_object();
        p.field(Where::Any, "loss", "{}% loss", kpath::Real::general(100.0 / 3));
        p.field(Where::Any, "rtt", ", rtt {} ms", kpath::Real::fixed(1, 3));
        p.field(Where::Any, "ratio", ", ratio {}", 0.1);
        p.field(Where::Any, "none", ", none {}", std::optional<double>());
        p.field(Where::Any, "some", ", some {}", std::optional<double>(2.5));
        p.close_object();
    };
    std::ostringstream text, json;
    Printer t(text, Mode::Text);
    print(t);
    EXPECT_EQ(text.str(), "33.3333% loss, rtt 1.000 ms, ratio 0.1, some 2.5");
    Printer j(json, Mode::Json);
    print(j);
    EXPECT_EQ(json.str(), "{\"loss\":33.3333,\"rtt\":1.000,\"ratio\":0.1,\"some\":2.5}");
}

TEST(Printer, Format) {
    EXPECT_EQ(kpath::print::format(" mtu {}", "9000"), " mtu 9000");
    EXPECT_EQ(kpath::print::format("{} ", "add"), "add ");
    EXPECT_EQ(kpath::print::format("{}{}", "x"), "x{}");
    EXPECT_EQ(kpath::print::format("plain", "x"), "plain");
}
