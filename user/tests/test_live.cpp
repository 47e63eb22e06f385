// SPDX-License-Identifier: GPL-2.0
// The request machinery against the running kernel's rtnetlink and genetlink
// controller (no kp_loop module needed): acks, dumps, errors with extack,
// and recovery after a handler aborts a dump.
#include <gtest/gtest.h>

#include <cerrno>
#include <stdexcept>

#include <linux/genetlink.h>
#include <linux/rtnetlink.h>

#include "kpath/error.hpp"
#include "kpath/genl.hpp"
#include "kpath/rtnl.hpp"

using namespace kpath;

TEST(LiveRtnl, GetLoopbackByIndex) {
    Socket sock(NETLINK_ROUTE);
    auto lo = rtnl::get_link(sock, 1); // "lo" is ifindex 1 in every netns
    ASSERT_TRUE(lo);
    EXPECT_EQ(lo->ifindex, 1u);
    EXPECT_EQ(lo->ifname, "lo");
    EXPECT_TRUE(lo->mtu);
    EXPECT_EQ(lo->kind, "");
}

TEST(LiveRtnl, MissingLinkIsNullopt) {
    Socket sock(NETLINK_ROUTE);
    EXPECT_FALSE(rtnl::get_link(sock, 0x7ffffff0));
}

TEST(LiveRtnl, DumpListsLoopbackAndFiltersByKind) {
    Socket sock(NETLINK_ROUTE);
    bool found = false;
    for (const auto &l : rtnl::dump_links(sock).items)
        found = found || l.ifname == "lo";
    EXPECT_TRUE(found);
    for (const auto &l : rtnl::dump_links(sock, "kpath-no-such-kind").items)
        ADD_FAILURE() << "unexpected link " << l.ifname;
}

TEST(LiveRtnl, KernelErrorCarriesExtack) {
    Socket sock(NETLINK_ROUTE);
    NlMsg msg = rtnl::build_newlink({"kpt-test0", std::nullopt, -1}, "kpath-no-such-kind");
    try {
        sock.request(msg);
        FAIL() << "creating a link of an unknown kind succeeded";
    } catch (const Error &e) {
        if (e.error() == EPERM)
            GTEST_SKIP() << "needs CAP_NET_ADMIN to reach the link kind lookup";
        EXPECT_EQ(e.error(), EOPNOTSUPP);
        EXPECT_EQ(e.extack(), "Unknown device type");
        EXPECT_EQ(e.describe(), "Unknown device type (Operation not supported)");
    }
}

TEST(LiveRtnl, SocketRecoversAfterHandlerAbortsADump) {
    Socket sock(NETLINK_ROUTE);
    NlMsg dump = rtnl::build_getlink_dump();
    EXPECT_THROW(sock.request(dump, [](nl_msg *) { throw std::runtime_error("stop"); }),
                 std::runtime_error);
    // The rest of that dump was drained: the socket serves a new dump (an
    // unfinished one would make it fail with EBUSY) and a do request.
    bool found = false;
    for (const auto &l : rtnl::dump_links(sock).items)
        found = found || l.ifname == "lo";
    EXPECT_TRUE(found);
    auto lo = rtnl::get_link(sock, 1);
    ASSERT_TRUE(lo);
    EXPECT_EQ(lo->ifname, "lo");
}

TEST(LiveRtnl, DumpResultAndRequestWarnings) {
    Socket sock(NETLINK_ROUTE);
    RequestResult r = sock.request(rtnl::build_getlink_dump());
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_TRUE(sock.warnings().empty());
    auto links = rtnl::dump_links(sock);
    EXPECT_FALSE(links.interrupted);
    EXPECT_TRUE(links.warnings.empty());
    EXPECT_FALSE(links.items.empty());
}

TEST(LiveSocket, NonBlockingReceiveWithNothingQueuedReturns) {
    Socket sock(NETLINK_ROUTE);
    sock.add_membership(RTNLGRP_LINK); // allowed without privileges
    sock.set_nonblocking();
    EXPECT_NO_THROW(sock.receive([](nl_msg *) {})); // EAGAIN is not an error
}

TEST(LiveGenl, ResolveController) {
    Socket sock(NETLINK_GENERIC);
    EXPECT_EQ(genl::resolve_family(sock, "nlctrl"), GENL_ID_CTRL);
    EXPECT_GT(genl::resolve_group(sock, "nlctrl", "notify"), 0);
}

TEST(LiveGenl, UnknownFamilyAndGroup) {
    Socket sock(NETLINK_GENERIC);
    try {
        genl::resolve_family(sock, "kpath-nofamily");
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_EQ(e.describe(), "generic netlink family \"kpath-nofamily\" not found, is its "
                                "module loaded? (No such file or directory)");
    }
    try {
        genl::resolve_group(sock, "nlctrl", "kpath-nogroup");
        FAIL();
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), ENOENT);
    }
}
