// SPDX-License-Identifier: GPL-2.0
#include "kpath/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <netlink/errno.h>

namespace kpath {

namespace {

std::string strerror_str(int err) {
    return std::strerror(err);
}

std::string make_what(int err, const std::string &extack, const std::string &note) {
    std::string primary = !extack.empty() ? extack : note;
    if (primary.empty())
        return err ? strerror_str(err) : std::string("unknown error");
    if (err)
        return primary + " (" + strerror_str(err) + ")";
    return primary;
}

} // namespace

Error::Error(int err, std::string extack, std::string note)
    : std::runtime_error(make_what(err, extack, note)), err_(err), extack_(std::move(extack)),
      note_(std::move(note)) {}

std::string Error::describe() const {
    return make_what(err_, extack_, note_);
}

NetnsError::NetnsError(int err, std::string ns)
    : Error(err, {}, "Cannot open network namespace \"" + ns + "\""), ns_(std::move(ns)) {}

EventsLost::EventsLost() : Error(ENOBUFS, {}, "events lost (receive buffer overflow)") {}

int nle_to_errno(int nle) noexcept {
    switch (std::abs(nle)) {
    case NLE_SUCCESS:
        return 0;
    case NLE_INTR:
        return EINTR;
    case NLE_BAD_SOCK:
        return EBADF;
    case NLE_AGAIN:
        return EAGAIN;
    case NLE_NOMEM:
        return ENOMEM;
    case NLE_EXIST:
        return EEXIST;
    case NLE_INVAL:
        return EINVAL;
    case NLE_RANGE:
        return ERANGE;
    case NLE_MSGSIZE:
        return EMSGSIZE;
    case NLE_OPNOTSUPP:
        return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
        return EAFNOSUPPORT;
    case NLE_OBJ_NOTFOUND:
        return ENOENT;
    case NLE_NOATTR:
        return ENOENT;
    case NLE_BUSY:
        return EBUSY;
    case NLE_PERM:
        return EPERM;
    case NLE_NOACCESS:
        return EACCES;
    case NLE_NODEV:
        return ENODEV;
    case NLE_PROTO_MISMATCH:
        return EPROTONOSUPPORT;
    case NLE_NOADDR:
        return EADDRNOTAVAIL;
    default:
        return 0;
    }
}

int recv_errno(int nle, int sys_errno) noexcept {
    if (std::abs(nle) == NLE_NOMEM && sys_errno == ENOBUFS)
        return ENOBUFS;
    return nle_to_errno(nle);
}

void throw_nle(int nle, const std::string &what) {
    int err = nle_to_errno(nle);
    std::string note = what;
    if (!err)
        note += std::string(note.empty() ? "" : ": ") + nl_geterror(nle);
    throw Error(err, {}, note);
}

} // namespace kpath
