// SPDX-License-Identifier: GPL-2.0
// Typed netlink attribute helpers on top of libnl's nla_put_*/nla_parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <netlink/attr.h>
#include <netlink/msg.h>

namespace kpath::attr {

// --- building (all throw Error(EMSGSIZE/ENOMEM) when the message is full) ---
void put_u8(nl_msg *msg, int type, uint8_t v);
void put_u16(nl_msg *msg, int type, uint16_t v);
void put_u32(nl_msg *msg, int type, uint32_t v);
void put_s32(nl_msg *msg, int type, int32_t v);
void put_u64(nl_msg *msg, int type, uint64_t v);
void put_string(nl_msg *msg, int type, const std::string &v);
void put_flag(nl_msg *msg, int type);

// A nested attribute: opened by the constructor, closed by end(); if it was
// never ended (an exception while filling it) the destructor cancels it.
class Nest {
public:
    Nest(nl_msg *msg, int type);
    ~Nest();
    Nest(const Nest &) = delete;
    Nest &operator=(const Nest &) = delete;

    void end();
    nlattr *get() const noexcept { return nest_; }

private:
    nl_msg *msg_;
    nlattr *nest_;
};

// --- parsing -------------------------------------------------------------------

// A parsed attribute table (index = attribute type, 0..maxtype). It points
// into the parsed message, which must outlive it. Getters return nullopt
// when the attribute is absent; parse*() validate lengths with the policy
// and throw Error(EBADMSG) on malformed input.
//
// get() and the typed getters see the last attribute of a type (as
// nla_parse() keeps it); all() and nested_all() walk every attribute of a
// type in message order, for repeated attributes such as a list of nests
// (e.g. one RING nest per ring in one message).
class Table {
public:
    explicit Table(int maxtype = 0) : tb_(static_cast<size_t>(maxtype) + 1, nullptr) {}

    static Table parse(nlattr *head, int len, int maxtype, const nla_policy *policy);
    static Table parse_msg(nlmsghdr *nlh, int hdrlen, int maxtype, const nla_policy *policy);
    static Table parse_nested(nlattr *nest, int maxtype, const nla_policy *policy);

    int maxtype() const noexcept { return static_cast<int>(tb_.size()) - 1; }
    bool has(int type) const noexcept { return get(type) != nullptr; }
    nlattr *get(int type) const noexcept;

    std::optional<uint8_t> u8(int type) const;
    std::optional<uint16_t> u16(int type) const;
    std::optional<uint32_t> u32(int type) const;
    std::optional<int32_t> s32(int type) const;
    std::optional<uint64_t> u64(int type) const;
    std::optional<std::string> str(int type) const;
    // Nested table; nullopt when absent.
    std::optional<Table> nested(int type, int maxtype, const nla_policy *policy) const;

    // Every attribute of `type` in the parsed area, in message order (empty
    // when absent, or for a Table that was not parsed). Each one passed the
    // policy the table was parsed with.
    std::vector<nlattr *> all(int type) const;
    // Every attribute of `type` parsed as a nested table, in message order.
    std::vector<Table> nested_all(int type, int maxtype, const nla_policy *policy) const;

private:
    std::vector<nlattr *> tb_;
    // The parsed attribute stream, for all(): nullptr/0 for an empty Table.
    nlattr *head_ = nullptr;
    int len_ = 0;
};

// Payload bytes of an attribute, e.g. to keep IFLA_INFO_DATA past the life of
// the message it came from (re-parse with Table::parse on the copy).
std::vector<unsigned char> copy_payload(const nlattr *nla);

} // namespace kpath::attr
