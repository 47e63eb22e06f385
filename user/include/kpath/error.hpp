// SPDX-License-Identifier: GPL-2.0
// Error type for everything netlink: errno + the kernel's extack message.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace kpath {

// An operation failed. error() is a positive errno value (0 when the failure
// has no errno, e.g. a libnl-internal problem; then note() describes it).
// extack() is the kernel's NLMSGERR_ATTR_MSG, empty when it sent none.
class Error : public std::runtime_error {
public:
    Error(int err, std::string extack = {}, std::string note = {});

    int error() const noexcept { return err_; }
    const std::string &extack() const noexcept { return extack_; }
    const std::string &note() const noexcept { return note_; }
    // Offset of the offending attribute in our request (NLMSGERR_ATTR_OFFS).
    std::optional<uint32_t> offset;

    // iproute2 style: "<extack> (<strerror>)", or "<strerror>" without extack.
    std::string describe() const;

private:
    int err_;
    std::string extack_;
    std::string note_;
};

// Could not open or enter a network namespace (a user error, not a kernel one).
class NetnsError : public Error {
public:
    NetnsError(int err, std::string ns);
    const std::string &netns() const noexcept { return ns_; }

private:
    std::string ns_;
};

// A socket listening to notifications overflowed its receive buffer: the
// kernel dropped events (recvmsg failed with ENOBUFS). Not fatal: the socket
// stays usable. error() is ENOBUFS.
class EventsLost : public Error {
public:
    EventsLost();
};

// Map a (negative or positive) libnl NLE_* code to an errno value; 0 if none fits.
int nle_to_errno(int nle) noexcept;

// The errno of a failed libnl receive (nl_recvmsgs): as nle_to_errno(), except
// that libnl maps both ENOBUFS (the receive buffer overflowed, messages were
// lost) and ENOMEM (allocation failure) to NLE_NOMEM; sys_errno, the errno
// left by the failed call, tells them apart.
int recv_errno(int nle, int sys_errno) noexcept;

// Throw an Error for a libnl return code (negative NLE_*), noting what failed.
[[noreturn]] void throw_nle(int nle, const std::string &what);

} // namespace kpath
