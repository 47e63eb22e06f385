// SPDX-License-Identifier: GPL-2.0
#include "kpath/attr.hpp"

#include <cerrno>
#include <cstring>

#include "kpath/error.hpp"

namespace kpath::attr {

namespace {

void check_put(int rc, int type) {
    if (rc < 0)
        throw_nle(rc, "adding netlink attribute " + std::to_string(type));
}

} // namespace

void put_u8(nl_msg *msg, int type, uint8_t v) {
    check_put(nla_put_u8(msg, type, v), type);
}

void put_u16(nl_msg *msg, int type, uint16_t v) {
    check_put(nla_put_u16(msg, type, v), type);
}

void put_u32(nl_msg *msg, int type, uint32_t v) {
    check_put(nla_put_u32(msg, type, v), type);
}

void put_s32(nl_msg *msg, int type, int32_t v) {
    check_put(nla_put_s32(msg, type, v), type);
}

void put_u64(nl_msg *msg, int type, uint64_t v) {
    check_put(nla_put_u64(msg, type, v), type);
}

void put_string(nl_msg *msg, int type, const std::string &v) {
    check_put(nla_put_string(msg, type, v.c_str()), type);
}

void put_flag(nl_msg *msg, int type) {
    check_put(nla_put_flag(msg, type), type);
}

Nest::Nest(nl_msg *msg, int type) : msg_(msg), nest_(nla_nest_start(msg, type)) {
    if (!nest_)
        throw Error(EMSGSIZE, {}, "adding nested netlink attribute " + std::to_string(type));
}

Nest::~Nest() {
    if (nest_)
        nla_nest_cancel(msg_, nest_);
}

void Nest::end() {
    if (!nest_)
        return;
    int rc = nla_nest_end(msg_, nest_);
    nest_ = nullptr;
    if (rc < 0)
        throw_nle(rc, "closing a nested netlink attribute");
}

// --- parsing -------------------------------------------------------------------

namespace {

[[noreturn]] void throw_parse(int rc) {
    throw Error(EBADMSG, {}, std::string("malformed netlink attributes: ") + nl_geterror(rc));
}

} // namespace

Table Table::parse(nlattr *head, int len, int maxtype, const nla_policy *policy) {
    Table t(maxtype);
    // libnl's policy pointer lacks const but is only read.
    int rc = nla_parse(t.tb_.data(), maxtype, head, len, const_cast<nla_policy *>(policy));
    if (rc < 0)
        throw_parse(rc);
    t.head_ = head;
    t.len_ = len;
    return t;
}

Table Table::parse_msg(nlmsghdr *nlh, int hdrlen, int maxtype, const nla_policy *policy) {
    Table t(maxtype);
    int rc = nlmsg_parse(nlh, hdrlen, t.tb_.data(), maxtype, const_cast<nla_policy *>(policy));
    if (rc < 0)
        throw_parse(rc);
    t.head_ = nlmsg_attrdata(nlh, hdrlen);
    t.len_ = nlmsg_attrlen(nlh, hdrlen);
    return t;
}

Table Table::parse_nested(nlattr *nest, int maxtype, const nla_policy *policy) {
    Table t(maxtype);
    int rc = nla_parse_nested(t.tb_.data(), maxtype, nest, const_cast<nla_policy *>(policy));
    if (rc < 0)
        throw_parse(rc);
    t.head_ = static_cast<nlattr *>(nla_data(nest));
    t.len_ = nla_len(nest);
    return t;
}

nlattr *Table::get(int type) const noexcept {
    if (type < 0 || static_cast<size_t>(type) >= tb_.size())
        return nullptr;
    return tb_[static_cast<size_t>(type)];
}

namespace {

// Length-checked fixed-size read; policies normally guarantee the length,
// this keeps getters safe for attributes parsed without one.
template <typename T>
std::optional<T> get_fixed(const nlattr *nla) {
    if (!nla)
        return std::nullopt;
    if (nla_len(nla) < static_cast<int>(sizeof(T)))
        throw Error(EBADMSG, {},
                    "netlink attribute " + std::to_string(nla_type(nla)) + " is too short");
    T v;
    std::memcpy(&v, nla_data(nla), sizeof(T));
    return v;
}

} // namespace

std::optional<uint8_t> Table::u8(int type) const {
    return get_fixed<uint8_t>(get(type));
}

std::optional<uint16_t> Table::u16(int type) const {
    return get_fixed<uint16_t>(get(type));
}

std::optional<uint32_t> Table::u32(int type) const {
    return get_fixed<uint32_t>(get(type));
}

std::optional<int32_t> Table::s32(int type) const {
    return get_fixed<int32_t>(get(type));
}

std::optional<uint64_t> Table::u64(int type) const {
    return get_fixed<uint64_t>(get(type));
}

std::optional<std::string> Table::str(int type) const {
    const nlattr *nla = get(type);
    if (!nla)
        return std::nullopt;
    const char *s = static_cast<const char *>(nla_data(nla));
    return std::string(s, strnlen(s, static_cast<size_t>(nla_len(nla))));
}

std::optional<Table> Table::nested(int type, int maxtype, const nla_policy *policy) const {
    nlattr *nla = get(type);
    if (!nla)
        return std::nullopt;
    return parse_nested(nla, maxtype, policy);
}

std::vector<nlattr *> Table::all(int type) const {
    std::vector<nlattr *> v;
    if (type < 0 || !head_)
        return v;
    nlattr *nla;
    int rem;
    // The area was validated by parse*(): nla_for_each_attr stops at a
    // truncated tail as nla_parse() does.
    nla_for_each_attr(nla, head_, len_, rem) {
        if (nla_type(nla) == type)
            v.push_back(nla);
    }
    return v;
}

std::vector<Table> Table::nested_all(int type, int maxtype, const nla_policy *policy) const {
    std::vector<Table> v;
    for (nlattr *nla : all(type))
        v.push_back(parse_nested(nla, maxtype, policy));
    return v;
}

std::vector<unsigned char> copy_payload(const nlattr *nla) {
    const auto *p = static_cast<const unsigned char *>(nla_data(nla));
    return std::vector<unsigned char>(p, p + nla_len(nla));
}

} // namespace kpath::attr
