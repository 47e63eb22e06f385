// SPDX-License-Identifier: GPL-2.0
// Network namespace helpers (as `ip netns` / `ip -n`).
#pragma once

#include <string>

namespace kpath {

// An owned file descriptor.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    ~Fd();
    Fd(Fd &&other) noexcept : fd_(other.release()) {}
    Fd &operator=(Fd &&other) noexcept;
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept;
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

// "NAME" -> /run/netns/NAME (as created by `ip netns add`); anything with a
// '/' is taken as a path (e.g. /proc/PID/ns/net).
std::string netns_path(const std::string &name_or_path);

// Open a network namespace; throws NetnsError naming it.
Fd open_netns(const std::string &name_or_path);

// Move the calling thread into a network namespace (setns(CLONE_NEWNET)),
// for good: to come back, use NetnsGuard. Do this before opening any netlink
// socket (a socket stays in the namespace it was opened in). Throws
// NetnsError when the namespace can not be opened, Error when setns() fails.
void enter_netns(const std::string &name_or_path);

// An fd on the calling thread's network namespace (/proc/thread-self/ns/net,
// or /proc/self/task/TID/ns/net on kernels older than 3.17). Throws Error.
Fd open_current_netns();

// Whether two namespace fds refer to the same namespace (same nsfs inode).
// Throws Error when either can not be fstat()ed.
bool same_netns(int fd_a, int fd_b);

// Saves the calling thread's network namespace, and takes the thread back
// into it when destroyed (or by restore()): how a library user runs netlink
// requests in another namespace and gets its own back.
//
//     {
//         kpath::NetnsGuard ns("blue"); // saves ours, enters blue
//         kpath::Socket rtnl(NETLINK_ROUTE); // a socket in blue
//         ...
//     } // back in ours (rtnl, destroyed first, was in blue)
//
// setns() moves the calling thread only: create, restore and destroy a guard
// on one thread. Guards nest (each restores what it saved). Going back is a
// no-op, needing no privilege, when the thread is already there; otherwise
// it needs the same privilege (CAP_SYS_ADMIN) as going in.
class NetnsGuard {
public:
    // Save the current namespace, without moving.
    NetnsGuard();
    // Save the current namespace, then enter name_or_path ("NAME" ->
    // /run/netns/NAME, or a path as netns_path()). NetnsError when it can not
    // be opened, Error when setns() fails; the thread has not moved then.
    explicit NetnsGuard(const std::string &name_or_path);
    // restore(), errors ignored (nothing can be done about them here).
    ~NetnsGuard();
    // A moved-from guard restores nothing.
    NetnsGuard(NetnsGuard &&other) noexcept = default;
    NetnsGuard &operator=(NetnsGuard &&) = delete;
    NetnsGuard(const NetnsGuard &) = delete;
    NetnsGuard &operator=(const NetnsGuard &) = delete;

    // Go back to the saved namespace now; throws Error if setns() fails.
    // Done once: later calls, and the destructor, do nothing.
    void restore();
    // An fd on the saved namespace; -1 once restored (or moved from).
    int saved_fd() const noexcept { return saved_.get(); }

private:
    Fd saved_;
};

} // namespace kpath
