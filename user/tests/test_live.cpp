// SPDX-License-Identifier: GPL-2.0
// The request machinery against the running kernel's rtnetlink and genetlink
// controller (no kp_loop module needed): acks, dumps, errors with extack,
// and recovery after a handler aborts a dump.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

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

namespace {

// Bytes of the next datagram queued on a socket; 0 when none is (EAGAIN).
ssize_t queued(const Socket &sock) {
    char byte;
    ssize_t n = recv(sock.fd(), &byte, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return n < 0 ? -errno : n;
}

} // namespace

TEST(LiveRtnl, SocketRecoversAfterHandlerAbortsADump) {
    Socket sock(NETLINK_ROUTE);
    NlMsg dump = rtnl::build_getlink_dump();
    int calls = 0;
    EXPECT_THROW(sock.request(dump,
                              [&](nl_msg *) {
                                  calls++;
                                  throw std::runtime_error("stop");
                              }),
                 std::runtime_error);
    EXPECT_EQ(calls, 1); // the replies after the throw were skipped
    // The rest of that dump was read up to its NLMSG_DONE (a link dump ends
    // in a datagram of its own): nothing of it is left queued ...
    EXPECT_EQ(queued(sock), 0);
    // ... and the socket serves a new dump (an unfinished one would make it
    // fail with EBUSY) and a do request.
    bool found = false;
    for (const auto &l : rtnl::dump_links(sock).items)
        found = found || l.ifname == "lo";
    EXPECT_TRUE(found);
    auto lo = rtnl::get_link(sock, 1);
    ASSERT_TRUE(lo);
    EXPECT_EQ(lo->ifname, "lo");
}

TEST(LiveRtnl, PlainDumpHasNoWarningsAndIsNotInterrupted) {
    Socket sock(NETLINK_ROUTE);
    RequestResult r = sock.request(rtnl::build_getlink_dump());
    EXPECT_FALSE(r.interrupted);
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_TRUE(sock.warnings().empty());
    auto links = rtnl::dump_links(sock);
    EXPECT_FALSE(links.interrupted);
    EXPECT_TRUE(links.warnings.empty());
    EXPECT_FALSE(links.items.empty());
}

// --- a fake kernel: replies the kernel never sends on demand ------------------
//
// Socket talks to a NETLINK_USERSOCK socket of the test's (the "peer") in
// place of the kernel: the peer reads each request and answers it with what
// the test scripts, warnings and NLM_F_DUMP_INTR included.

namespace {

class FakePeer {
public:
    FakePeer() : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK)) {
        sockaddr_nl sa = {};
        sa.nl_family = AF_NETLINK;
        socklen_t len = sizeof(sa);
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) < 0 ||
            getsockname(fd_, reinterpret_cast<sockaddr *>(&sa), &len) < 0)
            throw Error(errno, {}, "fake netlink peer");
        port_ = sa.nl_pid;
    }
    ~FakePeer() { close(fd_); }
    FakePeer(const FakePeer &) = delete;
    FakePeer &operator=(const FakePeer &) = delete;

    uint32_t port() const noexcept { return port_; }

    // Wait for the next request; returns its header (the sender is noted).
    nlmsghdr next_request() {
        char buf[8192];
        sockaddr_nl from = {};
        socklen_t len = sizeof(from);
        ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&from), &len);
        nlmsghdr h = {};
        if (n >= static_cast<ssize_t>(sizeof(h)))
            std::memcpy(&h, buf, sizeof(h));
        client_ = from.nl_pid;
        return h;
    }

    // A reply of type 0x30 with flags, then (unless 0) an ack/done.
    void send(const nlmsghdr &req, uint16_t type, uint16_t flags, const char *warning = nullptr,
              int error = 0) {
        NlMsg msg(nlmsg_alloc_simple(type, flags));
        nlmsghdr *h = nlmsg_hdr(msg.get());
        h->nlmsg_seq = req.nlmsg_seq;
        h->nlmsg_pid = port_;
        if (type == NLMSG_ERROR) {
            nlmsgerr e = {};
            e.error = -error;
            e.msg = req;
            nlmsg_append(msg.get(), &e, sizeof(e), NLMSG_ALIGNTO);
            h->nlmsg_flags |= NLM_F_CAPPED;
        } else if (type == NLMSG_DONE) {
            int rc = -error;
            nlmsg_append(msg.get(), &rc, sizeof(rc), NLMSG_ALIGNTO);
        } else {
            nla_put_u32(msg.get(), 1, 7); // some payload
        }
        if (warning) {
            h->nlmsg_flags |= NLM_F_ACK_TLVS;
            nla_put_string(msg.get(), NLMSGERR_ATTR_MSG, warning);
        }
        sockaddr_nl to = {};
        to.nl_family = AF_NETLINK;
        to.nl_pid = client_;
        h = nlmsg_hdr(msg.get());
        sendto(fd_, h, h->nlmsg_len, 0, reinterpret_cast<sockaddr *>(&to), sizeof(to));
    }

private:
    int fd_;
    uint32_t port_ = 0;
    uint32_t client_ = 0;
};

} // namespace

TEST(FakePeerSocket, WarningsOfAnAckAndOfADumpsDone) {
    FakePeer peer;
    Socket sock(NETLINK_USERSOCK);
    nl_socket_set_peer_port(sock.get(), peer.port());

    std::thread kernel([&] {
        // A do request: one reply, then an ack with a warning.
        nlmsghdr req = peer.next_request();
        peer.send(req, 0x30, 0);
        peer.send(req, NLMSG_ERROR, 0, "first warning");
        // A dump: two replies, a warning on its NLMSG_DONE.
        req = peer.next_request();
        peer.send(req, 0x30, NLM_F_MULTI);
        peer.send(req, 0x30, NLM_F_MULTI);
        peer.send(req, NLMSG_DONE, NLM_F_MULTI, "dump warning");
        // A plain ack: no warning left over from before.
        req = peer.next_request();
        peer.send(req, NLMSG_ERROR, 0);
    });

    int replies = 0;
    NlMsg get(nlmsg_alloc_simple(0x30, NLM_F_REQUEST));
    RequestResult r = sock.request(get, [&](nl_msg *) { replies++; });
    EXPECT_EQ(replies, 1);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.warnings, (std::vector<std::string>{"first warning"}));
    EXPECT_EQ(sock.warnings(), r.warnings);

    NlMsg dump(nlmsg_alloc_simple(0x30, NLM_F_REQUEST | NLM_F_DUMP));
    r = sock.request(dump, [&](nl_msg *) { replies++; });
    EXPECT_EQ(replies, 3);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.warnings, (std::vector<std::string>{"dump warning"}));
    EXPECT_EQ(sock.warnings(), r.warnings);

    NlMsg again(nlmsg_alloc_simple(0x30, NLM_F_REQUEST));
    r = sock.request(again);
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_TRUE(sock.warnings().empty());
    kernel.join();
}

TEST(FakePeerSocket, InterruptedDumpIsReadToTheEndAndReported) {
    FakePeer peer;
    Socket sock(NETLINK_USERSOCK);
    nl_socket_set_peer_port(sock.get(), peer.port());

    std::thread kernel([&] {
        nlmsghdr req = peer.next_request();
        peer.send(req, 0x30, NLM_F_MULTI);
        peer.send(req, 0x30, NLM_F_MULTI | NLM_F_DUMP_INTR);
        peer.send(req, 0x30, NLM_F_MULTI | NLM_F_DUMP_INTR);
        peer.send(req, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR);
    });

    int replies = 0;
    NlMsg dump(nlmsg_alloc_simple(0x30, NLM_F_REQUEST | NLM_F_DUMP));
    RequestResult r = sock.request(dump, [&](nl_msg *) { replies++; });
    kernel.join();
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(replies, 3);
    EXPECT_TRUE(r.warnings.empty()); // retry_dump() adds the warning, not request()
    EXPECT_EQ(queued(sock), 0);
}

TEST(FakePeerSocket, ErrorAckCarriesTheWarningTextAsExtack) {
    FakePeer peer;
    Socket sock(NETLINK_USERSOCK);
    nl_socket_set_peer_port(sock.get(), peer.port());
    std::thread kernel([&] {
        nlmsghdr req = peer.next_request();
        peer.send(req, NLMSG_ERROR, 0, "no such thing", ENOENT);
    });
    NlMsg get(nlmsg_alloc_simple(0x30, NLM_F_REQUEST));
    try {
        sock.request(get);
        ADD_FAILURE() << "the error ack was not reported";
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_EQ(e.extack(), "no such thing");
    }
    kernel.join();
    EXPECT_TRUE(sock.warnings().empty()); // an error is not a warning
}

TEST(LiveSocket, RepliesToAnEarlierRequestAreSkipped) {
    Socket sock(NETLINK_ROUTE);
    // A request whose reply nobody reads: still queued at the next request.
    NlMsg stale = rtnl::build_getlink(1);
    ASSERT_GE(nl_send_auto(sock.get(), stale.get()), 0);
    int replies = 0;
    uint32_t seq = 0;
    NlMsg get = rtnl::build_getlink(1);
    sock.request(get, [&](nl_msg *reply) {
        replies++;
        seq = nlmsg_hdr(reply)->nlmsg_seq;
    });
    EXPECT_EQ(replies, 1);
    EXPECT_EQ(seq, nlmsg_hdr(get.get())->nlmsg_seq);
    EXPECT_EQ(queued(sock), 0);
}

TEST(LiveSocket, NonBlockingReceiveWithNothingQueuedReturns) {
    Socket sock(NETLINK_ROUTE);
    sock.add_membership(RTNLGRP_LINK); // allowed without privileges
    sock.set_nonblocking();
    // Else the receive below would block instead of failing.
    ASSERT_NE(fcntl(sock.fd(), F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NO_THROW(sock.receive([](nl_msg *) {})); // EAGAIN is not an error
}

TEST(LiveGenl, ResolveController) {
    Socket sock(NETLINK_GENERIC);
    EXPECT_EQ(genl::resolve_family(sock, "nlctrl"), GENL_ID_CTRL);
    EXPECT_GT(genl::resolve_group(sock, "nlctrl", "notify"), 0);
}

// Needs no privilege, so it always runs: a GET whose attribute breaks the
// genetlink controller's policy (a family name with no NUL within 16 bytes)
// fails with EINVAL, the core's extack message, and the offset of the
// offending attribute in our request.
TEST(LiveGenl, PolicyViolationOnAGetCarriesExtack) {
    Socket sock(NETLINK_GENERIC);
    NlMsg msg = genl::build(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
    const uint32_t at = nlmsg_hdr(msg.get())->nlmsg_len;
    const std::string name(40, 'k'); // the policy allows 15 characters
    ASSERT_EQ(nla_put(msg.get(), CTRL_ATTR_FAMILY_NAME, static_cast<int>(name.size()), name.data()),
              0);
    try {
        sock.request(msg);
        FAIL() << "a 40-byte unterminated family name was accepted";
    } catch (const Error &e) {
        EXPECT_EQ(e.error(), EINVAL);
        EXPECT_EQ(e.extack(), "Attribute failed policy validation");
        ASSERT_TRUE(e.offset);
        EXPECT_EQ(*e.offset, at);
    }
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
