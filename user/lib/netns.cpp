// SPDX-License-Identifier: GPL-2.0
#include "kpath/netns.hpp"

#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kpath/error.hpp"

namespace kpath {

Fd::~Fd() {
    reset();
}

Fd &Fd::operator=(Fd &&other) noexcept {
    if (this != &other)
        reset(other.release());
    return *this;
}

int Fd::release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void Fd::reset(int fd) noexcept {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

std::string netns_path(const std::string &name_or_path) {
    if (name_or_path.find('/') != std::string::npos)
        return name_or_path;
    return "/run/netns/" + name_or_path;
}

Fd open_netns(const std::string &name_or_path) {
    if (name_or_path.empty() || name_or_path == "." || name_or_path == "..")
        throw NetnsError(EINVAL, name_or_path);
    int fd = ::open(netns_path(name_or_path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw NetnsError(errno, name_or_path);
    return Fd(fd);
}

namespace {

[[noreturn]] void throw_setns(int err, const std::string &name_or_path) {
    throw Error(err, {}, "setting the network namespace \"" + name_or_path + "\" failed");
}

} // namespace

void enter_netns(const std::string &name_or_path) {
    Fd fd = open_netns(name_or_path);
    if (::setns(fd.get(), CLONE_NEWNET) < 0)
        throw_setns(errno, name_or_path);
}

Fd open_current_netns() {
    int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        const std::string task = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid));
        fd = ::open((task + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        throw Error(errno, {}, "opening the current network namespace");
    return Fd(fd);
}

bool same_netns(int fd_a, int fd_b) {
    struct stat a, b;
    if (::fstat(fd_a, &a) < 0 || ::fstat(fd_b, &b) < 0)
        throw Error(errno, {}, "inspecting a network namespace");
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

NetnsGuard::NetnsGuard() : saved_(open_current_netns()) {}

NetnsGuard::NetnsGuard(const std::string &name_or_path) {
    // The target first: a namespace that does not exist is the user's
    // mistake and is reported as such (NetnsError).
    Fd target = open_netns(name_or_path);
    saved_ = open_current_netns();
    if (::setns(target.get(), CLONE_NEWNET) < 0) {
        const int err = errno;
        saved_.reset(); // still where we were: nothing to restore
        throw_setns(err, name_or_path);
    }
}

NetnsGuard::~NetnsGuard() {
    try {
        restore();
    } catch (...) {
        // The thread stays where it is; a destructor can not report it.
    }
}

void NetnsGuard::restore() {
    if (!saved_)
        return;
    const Fd saved = std::move(saved_);
    // Already there (the guard did not move us, or someone else took us
    // back): setns() would still demand CAP_SYS_ADMIN, so do not call it.
    try {
        const Fd cur = open_current_netns();
        if (same_netns(saved.get(), cur.get()))
            return;
    } catch (const Error &) {
        // Can not tell where we are: go back anyway.
    }
    if (::setns(saved.get(), CLONE_NEWNET) < 0)
        throw Error(errno, {}, "returning to the saved network namespace failed");
}

} // namespace kpath
