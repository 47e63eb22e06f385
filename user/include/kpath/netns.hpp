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

// Move the calling thread into a network namespace (setns(CLONE_NEWNET)).
// Do this before opening any netlink socket. Throws NetnsError.
void enter_netns(const std::string &name_or_path);

} // namespace kpath
