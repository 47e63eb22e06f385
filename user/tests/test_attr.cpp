// SPDX-License-Identifier: GPL-2.0
// Typed attribute helpers: what they put on the wire and what they read back.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "kpath/attr.hpp"
#include "kpath/error.hpp"
#include "kpath/netlink.hpp"

using namespace kpath;

namespace {

enum { A_UNSPEC, A_U8, A_U16, A_U32, A_S32, A_U64, A_STR, A_FLAG, A_NEST, A_MAX = A_NEST };

} // namespace

TEST(Attr, PutWritesLibnlEncoding) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    attr::put_u8(msg.get(), A_U8, 0xab);
    attr::put_u16(msg.get(), A_U16, 0xbeef);
    attr::put_u32(msg.get(), A_U32, 0xdeadbeef);
    attr::put_s32(msg.get(), A_S32, -5);
    attr::put_u64(msg.get(), A_U64, 0x0123456789abcdefull);
    attr::put_string(msg.get(), A_STR, "kp0");
    attr::put_flag(msg.get(), A_FLAG);

    nlattr *tb[A_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlmsg_hdr(msg.get()), 0, tb, A_MAX, nullptr), 0);
    EXPECT_EQ(nla_len(tb[A_U8]), 1);
    EXPECT_EQ(nla_get_u8(tb[A_U8]), 0xab);
    EXPECT_EQ(nla_len(tb[A_U16]), 2);
    EXPECT_EQ(nla_get_u16(tb[A_U16]), 0xbeef);
    EXPECT_EQ(nla_len(tb[A_U32]), 4);
    EXPECT_EQ(nla_get_u32(tb[A_U32]), 0xdeadbeefu);
    EXPECT_EQ(nla_get_s32(tb[A_S32]), -5);
    EXPECT_EQ(nla_len(tb[A_U64]), 8);
    EXPECT_EQ(nla_get_u64(tb[A_U64]), 0x0123456789abcdefull);
    EXPECT_EQ(nla_len(tb[A_STR]), 4); // NUL terminated
    EXPECT_STREQ(nla_get_string(tb[A_STR]), "kp0");
    EXPECT_EQ(nla_len(tb[A_FLAG]), 0);
}

TEST(Attr, TableGetters) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    nla_put_u8(msg.get(), A_U8, 1);
    nla_put_s32(msg.get(), A_S32, -7);
    nla_put_u64(msg.get(), A_U64, 1ull << 40);
    nla_put_string(msg.get(), A_STR, "name");
    nlattr *nest = nla_nest_start(msg.get(), A_NEST);
    nla_put_u32(msg.get(), A_U32, 99);
    nla_nest_end(msg.get(), nest);

    nla_policy pol[A_MAX + 1] = {};
    pol[A_U8].type = NLA_U8;
    pol[A_S32] = {NLA_S32, 4, 0};
    pol[A_U64].type = NLA_U64;
    pol[A_STR].type = NLA_STRING;
    pol[A_NEST].type = NLA_NESTED;
    attr::Table t = attr::Table::parse_msg(nlmsg_hdr(msg.get()), 0, A_MAX, pol);
    EXPECT_EQ(t.maxtype(), A_MAX);
    EXPECT_EQ(t.u8(A_U8), 1);
    EXPECT_EQ(t.s32(A_S32), -7);
    EXPECT_EQ(t.u64(A_U64), 1ull << 40);
    EXPECT_EQ(t.str(A_STR), "name");
    EXPECT_FALSE(t.u32(A_U32)); // only inside the nest
    EXPECT_FALSE(t.has(A_FLAG));
    EXPECT_FALSE(t.u8(A_MAX + 5)); // out of range is absent, not UB

    auto inner = t.nested(A_NEST, A_MAX, nullptr);
    ASSERT_TRUE(inner);
    EXPECT_EQ(inner->u32(A_U32), 99u);
    EXPECT_FALSE(t.nested(A_FLAG, A_MAX, nullptr));
}

TEST(Attr, PolicyViolationsAreBadMessages) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    nla_put_u8(msg.get(), A_U32, 1); // 1 byte where a u32 is expected
    nla_policy pol[A_MAX + 1] = {};
    pol[A_U32].type = NLA_U32;
    try {
        attr::Table::parse_msg(nlmsg_hdr(msg.get()), 0, A_MAX, pol);
        FAIL() << "expected kpath::Error";
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
    // Without a policy the getter still refuses to read past the attribute.
    attr::Table t = attr::Table::parse_msg(nlmsg_hdr(msg.get()), 0, A_MAX, nullptr);
    EXPECT_THROW(t.u32(A_U32), Error);
}

TEST(Attr, NestIsCancelledWhenNotEnded) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    attr::put_u32(msg.get(), A_U32, 1);
    const auto len_before = nlmsg_hdr(msg.get())->nlmsg_len;
    try {
        attr::Nest nest(msg.get(), A_NEST);
        attr::put_u32(msg.get(), A_U32, 2);
        throw std::runtime_error("filling failed");
    } catch (const std::runtime_error &) {
    }
    EXPECT_EQ(nlmsg_hdr(msg.get())->nlmsg_len, len_before);

    {
        attr::Nest nest(msg.get(), A_NEST);
        attr::put_u32(msg.get(), A_U32, 3);
        nest.end();
    }
    nlattr *tb[A_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlmsg_hdr(msg.get()), 0, tb, A_MAX, nullptr), 0);
    ASSERT_NE(tb[A_NEST], nullptr);
    EXPECT_EQ(nla_len(tb[A_NEST]), NLA_HDRLEN + 4);
    EXPECT_EQ(nla_get_u32(static_cast<nlattr *>(nla_data(tb[A_NEST]))), 3u);
}

TEST(Attr, PutIntoFullMessageThrows) {
    NlMsg msg(nlmsg_alloc_size(NLMSG_HDRLEN + 8));
    attr::put_u32(msg.get(), A_U32, 1); // exactly fits
    EXPECT_THROW(attr::put_u32(msg.get(), A_U32, 2), Error);
    EXPECT_THROW(attr::Nest(msg.get(), A_NEST), Error);
}

TEST(Attr, CopyPayload) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    nla_put_u32(msg.get(), A_U32, 0x01020304);
    nlattr *tb[A_MAX + 1];
    ASSERT_EQ(nlmsg_parse(nlmsg_hdr(msg.get()), 0, tb, A_MAX, nullptr), 0);
    auto bytes = attr::copy_payload(tb[A_U32]);
    ASSERT_EQ(bytes.size(), 4u);
    uint32_t v;
    std::memcpy(&v, bytes.data(), 4);
    EXPECT_EQ(v, 0x01020304u);
}

TEST(Attr, RepeatedNestsAreWalkedInOrder) {
    // Three A_NEST entries (as a driver's per-ring list), with another
    // attribute between them, inside an outer nest.
    NlMsg msg = msg_alloc_simple(0x30, 0);
    nla_put_u32(msg.get(), A_U32, 7);
    {
        attr::Nest outer(msg.get(), A_NEST);
        for (uint32_t ring = 0; ring < 3; ring++) {
            attr::Nest r(msg.get(), A_NEST);
            attr::put_u32(msg.get(), A_U32, ring);
            attr::put_u64(msg.get(), A_U64, 1000 + ring);
            r.end();
            if (ring == 0)
                attr::put_u8(msg.get(), A_U8, 9);
        }
        outer.end();
    }

    nla_policy pol[A_MAX + 1] = {};
    pol[A_U32].type = NLA_U32;
    pol[A_U64].type = NLA_U64;
    pol[A_NEST].type = NLA_NESTED;
    attr::Table top = attr::Table::parse_msg(nlmsg_hdr(msg.get()), 0, A_MAX, pol);
    EXPECT_EQ(top.all(A_U32).size(), 1u);
    EXPECT_EQ(top.all(A_NEST).size(), 1u);
    EXPECT_TRUE(top.all(A_STR).empty());
    EXPECT_TRUE(top.all(-1).empty());

    auto outer = top.nested(A_NEST, A_MAX, pol);
    ASSERT_TRUE(outer);
    // The table itself keeps the last one only.
    EXPECT_EQ(outer->nested(A_NEST, A_MAX, pol)->u32(A_U32), 2u);

    const std::vector<nlattr *> raw = outer->all(A_NEST);
    ASSERT_EQ(raw.size(), 3u);
    EXPECT_EQ(outer->all(A_U8).size(), 1u);

    const std::vector<attr::Table> rings = outer->nested_all(A_NEST, A_MAX, pol);
    ASSERT_EQ(rings.size(), 3u);
    for (uint32_t i = 0; i < 3; i++) {
        EXPECT_EQ(rings[i].u32(A_U32), i);
        EXPECT_EQ(rings[i].u64(A_U64), 1000u + i);
        EXPECT_FALSE(rings[i].has(A_NEST));
    }
    EXPECT_TRUE(outer->nested_all(A_STR, A_MAX, pol).empty());
}

TEST(Attr, RepeatedNestsAreCheckedAgainstThePolicy) {
    NlMsg msg = msg_alloc_simple(0x30, 0);
    {
        attr::Nest r(msg.get(), A_NEST);
        attr::put_u32(msg.get(), A_U32, 1);
        r.end();
    }
    {
        attr::Nest r(msg.get(), A_NEST);
        attr::put_u8(msg.get(), A_U32, 2); // too short for the policy
        r.end();
    }
    nla_policy pol[A_MAX + 1] = {};
    pol[A_U32].type = NLA_U32;
    attr::Table top = attr::Table::parse_msg(nlmsg_hdr(msg.get()), 0, A_MAX, nullptr);
    ASSERT_EQ(top.all(A_NEST).size(), 2u);
    try {
        top.nested_all(A_NEST, A_MAX, pol);
        FAIL() << "expected kpath::Error";
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), EBADMSG);
    }
}

TEST(Attr, EmptyTableHasNoRepeatedAttributes) {
    attr::Table t(A_MAX);
    EXPECT_TRUE(t.all(A_NEST).empty());
    EXPECT_TRUE(t.nested_all(A_NEST, A_MAX, nullptr).empty());
}
