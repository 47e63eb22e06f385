// SPDX-License-Identifier: GPL-2.0
// RAII wrappers for libnl handles and a request/response netlink socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <linux/netlink.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

namespace kpath {

// --- owning handles ---------------------------------------------------------

struct NlSockDeleter {
    void operator()(nl_sock *sk) const noexcept { nl_socket_free(sk); }
};
struct NlMsgDeleter {
    void operator()(nl_msg *msg) const noexcept { nlmsg_free(msg); }
};
struct NlCbDeleter {
    void operator()(nl_cb *cb) const noexcept { nl_cb_put(cb); }
};

using NlSockPtr = std::unique_ptr<nl_sock, NlSockDeleter>;
using NlMsg = std::unique_ptr<nl_msg, NlMsgDeleter>;
using NlCbPtr = std::unique_ptr<nl_cb, NlCbDeleter>;

// Allocators that throw Error(ENOMEM) instead of returning NULL.
NlMsg msg_alloc();
NlMsg msg_alloc_simple(int type, int flags);
NlCbPtr cb_alloc();

// Append a fixed header (struct ifinfomsg, ...) to a message (nlmsg_append).
void msg_append(nl_msg *msg, const void *data, size_t len);

// --- extended acks ----------------------------------------------------------

// What an NLMSG_ERROR (or the NLMSG_DONE ending a dump) carries.
struct Ack {
    int error = 0;                     // positive errno, 0 for a plain ACK
    std::string msg;                   // NLMSGERR_ATTR_MSG
    std::optional<uint32_t> offset;    // NLMSGERR_ATTR_OFFS
    std::optional<uint32_t> miss_type; // NLMSGERR_ATTR_MISS_TYPE
};

// Parse the error code and the extack TLVs that follow struct nlmsgerr
// (or the int of an NLMSG_DONE) when NLM_F_ACK_TLVS is set; honours
// NLM_F_CAPPED (without it the kernel echoes our whole request first).
Ack parse_ack(const nlmsghdr *nlh);

// Turns a failed Ack into an Error.
[[noreturn]] void throw_ack(const Ack &ack);

// --- socket ------------------------------------------------------------------

class Socket {
public:
    // Called for every reply/notification that is not an ack/done/error.
    using Handler = std::function<void(nl_msg *)>;

    // Allocates, connects to `protocol` (NETLINK_ROUTE, NETLINK_GENERIC, ...)
    // and enables NETLINK_EXT_ACK + NETLINK_CAP_ACK (libnl 3.7 has no API for
    // either, so they are set with setsockopt on nl_socket_get_fd()).
    explicit Socket(int protocol);

    nl_sock *get() const noexcept { return sk_.get(); }
    int fd() const noexcept;
    int protocol() const noexcept { return protocol_; }

    // Send one request and process the replies: for a dump (NLM_F_DUMP) until
    // NLMSG_DONE, otherwise NLM_F_ACK is added and replies are processed until
    // the ack. Replies with another sequence number are skipped. Throws Error
    // with the kernel's errno and extack message on failure. If `on_reply`
    // throws, the remaining replies are read and dropped (the socket stays
    // usable) and the exception is rethrown.
    void request(nl_msg *msg, const Handler &on_reply = {});
    void request(const NlMsg &msg, const Handler &on_reply = {}) { request(msg.get(), on_reply); }

    // Extack warnings (NLMSGERR_ATTR_MSG on a successful ack), oldest first.
    const std::vector<std::string> &warnings() const noexcept { return warnings_; }

    // --- for event monitoring ---
    void add_membership(int group);
    void set_nonblocking();
    void set_rcvbuf(int bytes);
    // Read and dispatch whatever is queued (one recvmsg batch) without
    // sequence checks; returns at once on a non-blocking socket with nothing
    // queued. Throws Error (ENOBUFS shows up as ENOMEM: events were lost).
    void receive(const Handler &on_msg);

private:
    NlSockPtr sk_;
    int protocol_;
    std::vector<std::string> warnings_;
};

} // namespace kpath
