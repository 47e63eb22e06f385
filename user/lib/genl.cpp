// SPDX-License-Identifier: GPL-2.0
#include "kpath/genl.hpp"

#include <cerrno>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kpath/error.hpp"

namespace kpath::genl {

int resolve_family(Socket &sock, const std::string &family) {
    int id = genl_ctrl_resolve(sock.get(), family.c_str());
    if (id == -NLE_OBJ_NOTFOUND)
        throw Error(ENOENT, {},
                    "generic netlink family \"" + family + "\" not found, is its module loaded?");
    if (id < 0)
        throw_nle(id, "resolving generic netlink family \"" + family + "\"");
    return id;
}

int resolve_group(Socket &sock, const std::string &family, const std::string &group) {
    int id = genl_ctrl_resolve_grp(sock.get(), family.c_str(), group.c_str());
    if (id == -NLE_OBJ_NOTFOUND)
        throw Error(ENOENT, {},
                    "generic netlink family \"" + family + "\" has no multicast group \"" + group +
                            "\"");
    if (id < 0)
        throw_nle(id, "resolving multicast group \"" + group + "\" of \"" + family + "\"");
    return id;
}

NlMsg build(int family_id, uint8_t cmd, uint8_t version, int flags) {
    NlMsg msg = msg_alloc();
    if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, flags | NLM_F_REQUEST, cmd,
                     version))
        throw Error(EMSGSIZE, {}, "building a generic netlink header");
    return msg;
}

uint8_t command(const nlmsghdr *nlh) {
    if (nlmsg_datalen(nlh) < static_cast<int>(GENL_HDRLEN))
        throw Error(EBADMSG, {}, "generic netlink message without a genlmsghdr");
    return static_cast<const genlmsghdr *>(nlmsg_data(nlh))->cmd;
}

attr::Table parse(nlmsghdr *nlh, int maxtype, const nla_policy *policy) {
    if (!genlmsg_valid_hdr(nlh, 0))
        throw Error(EBADMSG, {}, "generic netlink message without a genlmsghdr");
    // genlmsg_parse() == nlmsg_parse() past the genlmsghdr.
    return attr::Table::parse_msg(nlh, GENL_HDRLEN, maxtype, policy);
}

Family::Family(const std::string &name, uint8_t version)
    : sock_(NETLINK_GENERIC), name_(name), version_(version), id_(resolve_family(sock_, name)) {}

void Family::join(const std::string &group) {
    sock_.add_membership(resolve_group(sock_, name_, group));
}

} // namespace kpath::genl
