// SPDX-License-Identifier: GPL-2.0
// JsonWriter: escaping, compact and pretty layout, misuse detection.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "kpath/json.hpp"

using kpath::JsonWriter;

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
