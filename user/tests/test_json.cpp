// SPDX-License-Identifier: GPL-2.0
// JsonWriter: escaping, compact and pretty layout, floating-point values,
// misuse detection.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "kpath/json.hpp"

using kpath::JsonWriter;
using kpath::Real;

TEST(Json, Escaping) {
    EXPECT_EQ(JsonWriter::escape("plain"), "plain");
    EXPECT_EQ(JsonWriter::escape("a\"b\\c"), "a\\\"b\\\\c");
    EXPECT_EQ(JsonWriter::escape("\n\r\t\b\f"), "\\n\\r\\t\\b\\f");
    EXPECT_EQ(JsonWriter::escape(std::string_view("\x01\x1f\x7f", 3)), "\\u0001\\u001f\\u007f");
    EXPECT_EQ(JsonWriter::escape(std::string_view("nul\0x", 5)), "nul\\u0000x");
    EXPECT_EQ(JsonWriter::escape("caf\xc3\xa9 /"), "caf\xc3\xa9 /"); // UTF-8 and '/' as is
}

TEST(Json, CompactObjectWithAllValueTypes) {
    std::ostringstream os;
    JsonWriter j(os);
    j.begin_object();
    j.member("s", "x\"y");
    j.member("u", uint32_t{42});
    j.member("neg", int32_t{-1});
    j.member("big", std::numeric_limits<uint64_t>::max());
    j.member("min", std::numeric_limits<int64_t>::min());
    j.member("t", true);
    j.member("f", false);
    j.key("n").null();
    j.member("absent", std::optional<uint32_t>{});
    j.member("present", std::optional<uint32_t>{7});
    j.key("arr").begin_array().value(1).value("two").begin_object().end_object().end_array();
    j.key("empty").begin_array().end_array();
    j.end_object();
    EXPECT_TRUE(j.complete());
    EXPECT_EQ(os.str(), "{\"s\":\"x\\\"y\",\"u\":42,\"neg\":-1,\"big\":18446744073709551615,"
                        "\"min\":-9223372036854775808,\"t\":true,\"f\":false,\"n\":null,"
                        "\"present\":7,\"arr\":[1,\"two\",{}],\"empty\":[]}");
}

TEST(Json, Reals) {
    // Shortest that reads back: what value(double) writes.
    EXPECT_EQ(Real(0.1).str(), "0.1");
    EXPECT_EQ(Real(100).str(), "100");
    EXPECT_EQ(Real(-2.5).str(), "-2.5");
    EXPECT_EQ(Real(100.0 / 3).str(), "33.333333333333336");
    EXPECT_EQ(Real(1e21).str(), "1e+21");
    EXPECT_EQ(Real(std::numeric_limits<double>::lowest()).str(), "-1.7976931348623157e+308");
    // printf's %g: 6 significant digits by default.
    EXPECT_EQ(Real::general(100.0 / 3).str(), "33.3333");
    EXPECT_EQ(Real::general(100).str(), "100");
    EXPECT_EQ(Real::general(0).str(), "0");
    EXPECT_EQ(Real::general(1e-5).str(), "1e-05");
    EXPECT_EQ(Real::general(2.0 / 3, 3).str(), "0.667");
    // printf's %.Nf: trailing zeros kept.
    EXPECT_EQ(Real::fixed(0.0401, 3).str(), "0.040");
    EXPECT_EQ(Real::fixed(0.347, 3).str(), "0.347");
    EXPECT_EQ(Real::fixed(2.776, 3).str(), "2.776");
    EXPECT_EQ(Real::fixed(1, 3).str(), "1.000");
    EXPECT_EQ(Real::fixed(99.9996, 3).str(), "100.000");
    EXPECT_EQ(Real::fixed(12.34, 0).str(), "12");
    EXPECT_EQ(Real::fixed(1e300, 2).str().size(), 304u); // no truncation
    EXPECT_EQ(Real::fixed(NAN, 3).str(), "nan");
    EXPECT_EQ(Real(-INFINITY).str(), "-inf");
    EXPECT_TRUE(Real(0.5).finite());
    EXPECT_FALSE(Real(INFINITY).finite());
    EXPECT_EQ(Real::general(0.25).value(), 0.25);

    std::ostringstream os;
    JsonWriter j(os);
    j.begin_object();
    j.member("d", 0.5);
    j.member("g", Real::general(100.0 / 3));
    j.member("f", Real::fixed(1, 3));
    j.member("nan", NAN);
    j.member("inf", Real::fixed(INFINITY, 3));
    j.member("absent", std::optional<double>{});
    j.member("present", std::optional<double>{0.25});
    j.key("arr").begin_array().value(1e21).value(Real::general(1e-5)).end_array();
    j.end_object();
    EXPECT_EQ(os.str(), "{\"d\":0.5,\"g\":33.3333,\"f\":1.000,\"nan\":null,\"inf\":null,"
                        "\"present\":0.25,\"arr\":[1e+21,1e-05]}");

    std::ostringstream pretty;
    JsonWriter jp(pretty, true);
    jp.begin_object().member("x", Real::fixed(2.5, 1)).end_object();
    EXPECT_EQ(pretty.str(), "{\n    \"x\": 2.5\n}");
}

TEST(Json, EscapesKeys) {
    std::ostringstream os;
    JsonWriter j(os);
    j.begin_object().member("a\nb", 1).end_object();
    EXPECT_EQ(os.str(), "{\"a\\nb\":1}");
}

TEST(Json, Pretty) {
    std::ostringstream os;
    JsonWriter j(os, true);
    j.begin_array();
    j.begin_object()
            .member("ifname", "kp0")
            .key("stats")
            .begin_object()
            .member("tx", 1)
            .end_object();
    j.key("none").begin_object().end_object();
    j.end_object();
    j.begin_object().end_object();
    j.end_array();
    EXPECT_EQ(os.str(), "[\n"
                        "    {\n"
                        "        \"ifname\": \"kp0\",\n"
                        "        \"stats\": {\n"
                        "            \"tx\": 1\n"
                        "        },\n"
                        "        \"none\": {}\n"
                        "    },\n"
                        "    {}\n"
                        "]");
}

TEST(Json, EmptyTopLevelArray) {
    std::ostringstream os;
    JsonWriter j(os, true);
    j.begin_array().end_array();
    EXPECT_EQ(os.str(), "[]");
    EXPECT_TRUE(j.complete());
}

TEST(Json, MisuseIsALogicError) {
    std::ostringstream os;
    {
        JsonWriter j(os);
        j.begin_object();
        EXPECT_THROW(j.value(1), std::logic_error); // no key
        EXPECT_THROW(j.end_array(), std::logic_error);
    }
    {
        JsonWriter j(os);
        EXPECT_THROW(j.key("k"), std::logic_error); // not in an object
        j.value(1);
        EXPECT_THROW(j.value(2), std::logic_error); // second top-level value
    }
    {
        JsonWriter j(os);
        j.begin_object().key("k");
        EXPECT_THROW(j.end_object(), std::logic_error); // dangling key
    }
}
