// SPDX-License-Identifier: GPL-2.0
// RAII wrappers for libnl handles and a request/response netlink socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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

// What one Socket::request() produced besides the replies given to its handler.
struct RequestResult {
    // A dump reply carried NLM_F_DUMP_INTR: what was dumped changed while the
    // kernel was dumping it (rtnetlink and kp_loop flag this when devices were
    // added or removed), so entries may be missing or repeated. The dump was
    // still read to its NLMSG_DONE and every reply was handed to the handler.
    bool interrupted = false;
    // Extack warnings (NLMSGERR_ATTR_MSG on a successful ack or on the
    // NLMSG_DONE of a dump), oldest first.
    std::vector<std::string> warnings;
};

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
    // An interrupted dump (NLM_F_DUMP_INTR) is not an error: it is reported in
    // the result, and retrying it is up to the caller (see retry_dump()).
    RequestResult request(nl_msg *msg, const Handler &on_reply = {});
    RequestResult request(const NlMsg &msg, const Handler &on_reply = {}) {
        return request(msg.get(), on_reply);
    }

    // The extack warnings of the most recent request() (the same as its
    // RequestResult::warnings), oldest first; each request() starts afresh.
    const std::vector<std::string> &warnings() const noexcept { return warnings_; }

    // --- for event monitoring ---
    void add_membership(int group);
    void set_nonblocking();
    void set_rcvbuf(int bytes);
    // Read and dispatch whatever is queued (one recvmsg batch) without
    // sequence checks; returns at once on a non-blocking socket with nothing
    // queued (EAGAIN is not an error). Throws EventsLost (errno ENOBUFS) when
    // the receive buffer overflowed and the kernel dropped notifications: the
    // socket stays usable and what was queued is read by the next call.
    // Other failures (ENOMEM: out of memory, ...) throw Error.
    void receive(const Handler &on_msg);

private:
    NlSockPtr sk_;
    int protocol_;
    std::vector<std::string> warnings_; // of the most recent request()
};

// --- interrupted dumps ------------------------------------------------------

// How many times a dump is run while the kernel reports it interrupted (as
// iproute2 retries interrupted dumps), and what is said when it stays so.
inline constexpr int dump_max_attempts = 10;
inline constexpr const char *dump_interrupted_warning =
        "Dump was interrupted and may be inconsistent.";

// A whole dump's outcome.
template <typename T>
struct DumpResult {
    T items{};
    // Every attempt was interrupted: `items` is the last attempt's and may be
    // inconsistent (`warnings` then ends with dump_interrupted_warning).
    bool interrupted = false;
    // Extack warnings of the attempt whose items these are.
    std::vector<std::string> warnings;
};

// Run a dump until the kernel reports it consistent, at most max_attempts
// (at least 1) times. `attempt(T &items)` runs the whole dump once into the
// (fresh, empty) `items` and returns its RequestResult. The items of an
// interrupted attempt are discarded unless it was the last one allowed: then
// they are returned with interrupted set and dump_interrupted_warning added
// to the warnings, for the caller to show like extack warnings. Exceptions
// from `attempt` propagate at once.
template <typename T, typename Attempt>
DumpResult<T> retry_dump(Attempt &&attempt, int max_attempts = dump_max_attempts) {
    DumpResult<T> r;
    for (int i = 0; i < max_attempts || i == 0; i++) {
        T items{};
        RequestResult res = attempt(items);
        r.items = std::move(items);
        r.interrupted = res.interrupted;
        r.warnings = std::move(res.warnings);
        if (!r.interrupted)
            return r;
    }
    r.warnings.emplace_back(dump_interrupted_warning);
    return r;
}

} // namespace kpath
