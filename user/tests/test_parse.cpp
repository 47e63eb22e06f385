// SPDX-License-Identifier: GPL-2.0
// kpath::parse: command line value parsing.
#include <gtest/gtest.h>

#include "kpath/parse.hpp"

using namespace kpath::parse;

TEST(ParseUnsigned, AcceptsDecimalWithinRange) {
    EXPECT_EQ(unsigned_int("0", 0, 10), 0u);
    EXPECT_EQ(unsigned_int("10", 0, 10), 10u);
    EXPECT_EQ(unsigned_int("68", 68, 65536), 68u);
    EXPECT_EQ(unsigned_int("18446744073709551615", 0, UINT64_MAX), UINT64_MAX);
}

TEST(ParseUnsigned, RejectsOutOfRangeAndGarbage) {
    EXPECT_FALSE(unsigned_int("11", 0, 10));
    EXPECT_FALSE(unsigned_int("67", 68, 65536));
    EXPECT_FALSE(unsigned_int("18446744073709551616", 0, UINT64_MAX)); // overflow
    EXPECT_FALSE(unsigned_int("", 0, 10));
    EXPECT_FALSE(unsigned_int("-1", 0, 10));
    EXPECT_FALSE(unsigned_int("+1", 0, 10));
    EXPECT_FALSE(unsigned_int(" 1", 0, 10));
    EXPECT_FALSE(unsigned_int("0x1", 0, 10));
    EXPECT_FALSE(unsigned_int("1k", 0, 10000));
}

TEST(ParsePpm, IntegerPpm) {
    EXPECT_EQ(ppm("0"), 0u);
    EXPECT_EQ(ppm("2500"), 2500u);
    EXPECT_EQ(ppm("1000000"), 1000000u);
    EXPECT_FALSE(ppm("1000001"));
    EXPECT_EQ(ppm("500", 500), 500u);
    EXPECT_FALSE(ppm("501", 500));
}

TEST(ParsePpm, IntegerWithUnit) {
    EXPECT_EQ(ppm("0ppm"), 0u);
    EXPECT_EQ(ppm("2500ppm"), 2500u);
    EXPECT_EQ(ppm("1000000ppm"), 1000000u);
    EXPECT_FALSE(ppm("1000001ppm"));
    EXPECT_FALSE(ppm("ppm"));
    EXPECT_FALSE(ppm("1.5ppm"));
    EXPECT_FALSE(ppm("1 ppm"));
    EXPECT_FALSE(ppm("1PPM"));
    EXPECT_FALSE(ppm("1ppm%"));
    EXPECT_FALSE(ppm("1%ppm"));
    EXPECT_FALSE(ppm("1pp"));
}

TEST(ParsePpm, Percentages) {
    EXPECT_EQ(ppm("1%"), 10000u);
    EXPECT_EQ(ppm("0.5%"), 5000u);
    EXPECT_EQ(ppm(".5%"), 5000u);
    EXPECT_EQ(ppm("0.0001%"), 1u);
    EXPECT_EQ(ppm("12.3456%"), 123456u);
    EXPECT_EQ(ppm("100%"), 1000000u);
    EXPECT_EQ(ppm("100.0%"), 1000000u);
    EXPECT_EQ(ppm("0%"), 0u);
    EXPECT_EQ(ppm("1.50000%"), 15000u); // extra trailing zeros are exact
}

TEST(ParsePpm, RejectsBadRates) {
    EXPECT_FALSE(ppm("abc"));
    EXPECT_FALSE(ppm(""));
    EXPECT_FALSE(ppm("%"));
    EXPECT_FALSE(ppm("1.%"));
    EXPECT_FALSE(ppm("1.5"));       // decimals only with %
    EXPECT_FALSE(ppm("100.0001%")); // above 100%
    EXPECT_FALSE(ppm("101%"));
    EXPECT_FALSE(ppm("0.00001%")); // finer than 1 ppm
    EXPECT_FALSE(ppm("-1%"));
    EXPECT_FALSE(ppm("1%%"));
    EXPECT_FALSE(ppm("1 %"));
    EXPECT_FALSE(ppm("1.2.3%"));
}

TEST(ParseOnOff, OnlyOnAndOff) {
    EXPECT_EQ(on_off("on"), true);
    EXPECT_EQ(on_off("off"), false);
    EXPECT_FALSE(on_off("ON"));
    EXPECT_FALSE(on_off("1"));
    EXPECT_FALSE(on_off(""));
    EXPECT_FALSE(on_off("yes"));
}

TEST(ParseIfname, KernelRules) {
    EXPECT_TRUE(valid_ifname("kp0"));
    EXPECT_TRUE(valid_ifname("a"));
    EXPECT_TRUE(valid_ifname("abcdefghijklmno"));   // 15 bytes
    EXPECT_FALSE(valid_ifname("abcdefghijklmnop")); // 16 bytes
    EXPECT_FALSE(valid_ifname(""));
    EXPECT_FALSE(valid_ifname("."));
    EXPECT_FALSE(valid_ifname(".."));
    EXPECT_FALSE(valid_ifname("a/b"));
    EXPECT_FALSE(valid_ifname("a:b"));
    EXPECT_FALSE(valid_ifname("a b"));
    EXPECT_FALSE(valid_ifname("a\tb"));
}
