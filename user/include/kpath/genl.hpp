// SPDX-License-Identifier: GPL-2.0
// Generic netlink helpers: family/group resolution, message headers, parsing.
#pragma once

#include <cstdint>
#include <string>

#include "kpath/attr.hpp"
#include "kpath/netlink.hpp"

namespace kpath::genl {

// Resolve a family id by name over the controller (CTRL_CMD_GETFAMILY).
// Throws Error(ENOENT) naming the family when the kernel does not know it.
int resolve_family(Socket &sock, const std::string &family);

// Resolve a multicast group id; throws Error(ENOENT) if the family lacks it.
int resolve_group(Socket &sock, const std::string &family, const std::string &group);

// A new message with nlmsghdr + genlmsghdr (no user header): the caller adds
// attributes. Flags: NLM_F_DUMP for dumps; Socket::request adds NLM_F_ACK.
NlMsg build(int family_id, uint8_t cmd, uint8_t version, int flags = 0);

// The genlmsghdr command of a received message.
uint8_t command(const nlmsghdr *nlh);

// Parse the attributes following the genlmsghdr.
attr::Table parse(nlmsghdr *nlh, int maxtype, const nla_policy *policy);

// A connected NETLINK_GENERIC socket with a resolved family: the base of
// family clients (kp_loop, later kp_dgram / kp_nic).
class Family {
public:
    Family(const std::string &name, uint8_t version);

    Socket &socket() noexcept { return sock_; }
    const Socket &socket() const noexcept { return sock_; }
    int id() const noexcept { return id_; }
    uint8_t version() const noexcept { return version_; }
    const std::string &name() const noexcept { return name_; }

    NlMsg build(uint8_t cmd, int flags = 0) const { return genl::build(id_, cmd, version_, flags); }
    // Join a multicast group of this family (for notifications).
    void join(const std::string &group);

private:
    Socket sock_;
    std::string name_;
    uint8_t version_;
    int id_;
};

} // namespace kpath::genl
