// SPDX-License-Identifier: GPL-2.0
#include "kpath/netlink.hpp"

#include <cerrno>
#include <cstring>
#include <exception>

#include <sys/socket.h>

#include "kpath/error.hpp"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace kpath {

NlMsg msg_alloc() {
    NlMsg msg(nlmsg_alloc());
    if (!msg)
        throw Error(ENOMEM, {}, "allocating a netlink message");
    return msg;
}

NlMsg msg_alloc_simple(int type, int flags) {
    NlMsg msg(nlmsg_alloc_simple(type, flags));
    if (!msg)
        throw Error(ENOMEM, {}, "allocating a netlink message");
    return msg;
}

NlCbPtr cb_alloc() {
    NlCbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb)
        throw Error(ENOMEM, {}, "allocating netlink callbacks");
    return cb;
}

void msg_append(nl_msg *msg, const void *data, size_t len) {
    // libnl takes a non-const pointer but only copies from it.
    int rc = nlmsg_append(msg, const_cast<void *>(data), len, NLMSG_ALIGNTO);
    if (rc < 0)
        throw_nle(rc, "building a netlink message");
}

// --- extended acks ---------------------------------------------------------

Ack parse_ack(const nlmsghdr *nlh) {
    Ack ack;
    const int datalen = nlmsg_datalen(nlh);
    size_t hlen;

    if (nlh->nlmsg_type == NLMSG_ERROR) {
        if (datalen < static_cast<int>(sizeof(nlmsgerr))) {
            ack.error = EBADMSG;
            return ack;
        }
        nlmsgerr err;
        std::memcpy(&err, nlmsg_data(nlh), sizeof(err));
        ack.error = -err.error;
        hlen = sizeof(err);
        // Unless capped, the kernel echoes our request after struct nlmsgerr
        // (whose msg member is the echoed request's header).
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > NLMSG_HDRLEN)
            hlen += err.msg.nlmsg_len - NLMSG_HDRLEN;
    } else if (nlh->nlmsg_type == NLMSG_DONE) {
        // A dump ends with NLMSG_DONE carrying an int: 0 or -errno.
        if (datalen < static_cast<int>(sizeof(int)))
            return ack;
        int rc;
        std::memcpy(&rc, nlmsg_data(nlh), sizeof(rc));
        ack.error = rc < 0 ? -rc : 0;
        hlen = sizeof(rc);
    } else {
        return ack;
    }

    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || NLMSG_ALIGN(hlen) >= static_cast<size_t>(datalen))
        return ack;

    nla_policy policy[NLMSGERR_ATTR_MAX + 1] = {};
    policy[NLMSGERR_ATTR_MSG].type = NLA_STRING;
    policy[NLMSGERR_ATTR_OFFS].type = NLA_U32;
    policy[NLMSGERR_ATTR_MISS_TYPE].type = NLA_U32;
    policy[NLMSGERR_ATTR_MISS_NEST].type = NLA_U32;

    nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
    // nlmsg_parse() does not modify the message; it only lacks const.
    if (nlmsg_parse(const_cast<nlmsghdr *>(nlh), static_cast<int>(hlen), tb, NLMSGERR_ATTR_MAX,
                    policy) < 0)
        return ack;

    if (tb[NLMSGERR_ATTR_MSG]) {
        const char *s = static_cast<const char *>(nla_data(tb[NLMSGERR_ATTR_MSG]));
        ack.msg.assign(s, strnlen(s, static_cast<size_t>(nla_len(tb[NLMSGERR_ATTR_MSG]))));
    }
    if (tb[NLMSGERR_ATTR_OFFS])
        ack.offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
    if (tb[NLMSGERR_ATTR_MISS_TYPE])
        ack.miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
    return ack;
}

void throw_ack(const Ack &ack) {
    std::string note;
    if (ack.msg.empty() && ack.miss_type)
        note = "missing attribute type " + std::to_string(*ack.miss_type);
    Error e(ack.error, ack.msg, note);
    e.offset = ack.offset;
    throw e;
}

// --- socket ------------------------------------------------------------------

namespace {

void set_int_sockopt(int fd, int level, int opt, int val) {
    // Best effort: old kernels lack these options and then simply send no
    // extack, which callers handle.
    (void)setsockopt(fd, level, opt, &val, sizeof(val));
}

struct Transaction {
    const Socket::Handler *handler = nullptr;
    uint32_t seq = 0;
    bool done = false;
    bool failed = false;
    bool interrupted = false; // NLM_F_DUMP_INTR seen
    Ack ack;
    std::exception_ptr exception;
    std::vector<std::string> *warnings = nullptr;
};

int seq_check_cb(nl_msg *msg, void *arg) {
    auto *t = static_cast<Transaction *>(arg);
    // Stale replies to an earlier request that was abandoned: skip them.
    return nlmsg_hdr(msg)->nlmsg_seq == t->seq ? NL_OK : NL_SKIP;
}

int valid_cb(nl_msg *msg, void *arg) {
    auto *t = static_cast<Transaction *>(arg);
    if (t->exception)
        return NL_SKIP;
    if (t->handler && *t->handler) {
        try {
            (*t->handler)(msg);
        } catch (...) {
            // Keep going (skipping the rest) up to the ack/NLMSG_DONE, which
            // may sit in this very datagram: stopping here would lose it.
            t->exception = std::current_exception();
            return NL_SKIP;
        }
    }
    return NL_OK;
}

void note_warning(Transaction *t, const Ack &ack) {
    if (!ack.msg.empty() && t->warnings)
        t->warnings->push_back(ack.msg);
}

int finish_cb(nl_msg *msg, void *arg) {
    auto *t = static_cast<Transaction *>(arg);
    Ack ack = parse_ack(nlmsg_hdr(msg));
    t->done = true;
    if (ack.error) {
        t->failed = true;
        t->ack = std::move(ack);
    } else {
        note_warning(t, ack);
    }
    return NL_STOP;
}

int ack_cb(nl_msg *msg, void *arg) {
    auto *t = static_cast<Transaction *>(arg);
    t->done = true;
    note_warning(t, parse_ack(nlmsg_hdr(msg)));
    return NL_STOP;
}

// libnl hands the error callback a pointer to the struct nlmsgerr, which is
// nlmsg_data() of the NLMSG_ERROR message; the extack TLVs follow it, so step
// back to the header to know the message's full length.
int error_cb(sockaddr_nl *, nlmsgerr *err, void *arg) {
    auto *t = static_cast<Transaction *>(arg);
    const auto *nlh =
            reinterpret_cast<const nlmsghdr *>(reinterpret_cast<const char *>(err) - NLMSG_HDRLEN);
    if (nlh->nlmsg_seq != t->seq)
        return NL_SKIP;
    t->ack = parse_ack(nlh);
    t->failed = true;
    t->done = true;
    return NL_STOP;
}

// A dump reply with NLM_F_DUMP_INTR (only replies to our request get here,
// after seq_check_cb). Without this callback libnl 3.7 reads on to NLMSG_DONE
// and then fails the whole receive with -NLE_DUMP_INTR; with it, it is up to
// us: note it and go on processing this message and the rest of the dump, so
// the socket is left clean and the caller decides whether to retry.
int dump_intr_cb(nl_msg *, void *arg) {
    static_cast<Transaction *>(arg)->interrupted = true;
    return NL_OK;
}

int accept_all_cb(nl_msg *, void *) {
    return NL_OK;
}

} // namespace

Socket::Socket(int protocol) : sk_(nl_socket_alloc()), protocol_(protocol) {
    if (!sk_)
        throw Error(ENOMEM, {}, "allocating a netlink socket");
    // Acks are requested explicitly per request (and not for dumps), and
    // sequence numbers are checked by our own callback.
    nl_socket_disable_auto_ack(sk_.get());
    int rc = nl_connect(sk_.get(), protocol);
    if (rc < 0)
        throw_nle(rc, "opening a netlink socket");
    // Size the receive buffer from the queued message (MSG_PEEK|MSG_TRUNC):
    // error replies with extack and link dumps can exceed a page.
    nl_socket_enable_msg_peek(sk_.get());
    set_int_sockopt(fd(), SOL_NETLINK, NETLINK_EXT_ACK, 1);
    set_int_sockopt(fd(), SOL_NETLINK, NETLINK_CAP_ACK, 1);
}

int Socket::fd() const noexcept {
    return nl_socket_get_fd(sk_.get());
}

RequestResult Socket::request(nl_msg *msg, const Handler &on_reply) {
    // Warnings belong to the request that produced them.
    warnings_.clear();

    nlmsghdr *nlh = nlmsg_hdr(msg);
    const bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!dump)
        nlh->nlmsg_flags |= NLM_F_ACK;

    int rc = nl_send_auto(sk_.get(), msg); // fills in port id, seq, NLM_F_REQUEST
    if (rc < 0)
        throw_nle(rc, "sending a netlink request");

    Transaction t;
    t.handler = &on_reply;
    t.seq = nlh->nlmsg_seq;
    t.warnings = &warnings_;

    NlCbPtr cb = cb_alloc();
    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_check_cb, &t);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &t);
    nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, &t);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, ack_cb, &t);
    nl_cb_set(cb.get(), NL_CB_DUMP_INTR, NL_CB_CUSTOM, dump_intr_cb, &t);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, error_cb, &t);

    // Read up to the ack / NLMSG_DONE even when a handler threw (the rest is
    // skipped), so the socket is clean for the next request: a dump left
    // unfinished would make the next dump on this socket fail with EBUSY.
    int sys_errno = 0;
    do {
        errno = 0;
        rc = nl_recvmsgs(sk_.get(), cb.get());
        sys_errno = errno;
    } while (!t.done && rc >= 0);

    if (t.exception)
        std::rethrow_exception(t.exception);
    if (t.failed)
        throw_ack(t.ack);
    if (rc < 0) {
        if (recv_errno(rc, sys_errno) == ENOBUFS)
            throw Error(ENOBUFS, {}, "receiving a netlink reply: messages were lost");
        throw_nle(rc, "receiving a netlink reply");
    }
    return RequestResult{t.interrupted, warnings_};
}

void Socket::add_membership(int group) {
    int rc = nl_socket_add_membership(sk_.get(), group);
    if (rc < 0)
        throw_nle(rc, "joining a netlink multicast group");
}

void Socket::set_nonblocking() {
    int rc = nl_socket_set_nonblocking(sk_.get());
    if (rc < 0)
        throw_nle(rc, "setting the netlink socket non-blocking");
}

void Socket::set_rcvbuf(int bytes) {
    int rc = nl_socket_set_buffer_size(sk_.get(), bytes, 0);
    if (rc < 0)
        throw_nle(rc, "setting the netlink receive buffer size");
}

void Socket::receive(const Handler &on_msg) {
    Transaction t;
    t.handler = &on_msg;

    NlCbPtr cb = cb_alloc();
    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_all_cb, nullptr);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &t);

    // libnl maps the recvmsg() errno to an NLE_* code, the same one for
    // ENOBUFS and ENOMEM: keep errno to tell them apart. On failure
    // nl_recvmsgs() returns right after recvmsg() (only free() runs in
    // between, which leaves errno alone).
    errno = 0;
    int rc = nl_recvmsgs(sk_.get(), cb.get());
    const int sys_errno = errno;
    if (t.exception)
        std::rethrow_exception(t.exception);
    if (rc >= 0)
        return;
    switch (recv_errno(rc, sys_errno)) {
    case EAGAIN: // non-blocking socket, nothing queued (libnl 3.7: -NLE_AGAIN)
        return;
    case ENOBUFS: // the kernel found our receive buffer full: events were dropped
        throw EventsLost();
    default:
        throw_nle(rc, "receiving netlink messages");
    }
}

} // namespace kpath
