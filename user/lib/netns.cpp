// SPDX-License-Identifier: GPL-2.0
#include "kpath/netns.hpp"

#include <cerrno>

#include <fcntl.h>
#include <sched.h>
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

void enter_netns(const std::string &name_or_path) {
    Fd fd = open_netns(name_or_path);
    if (::setns(fd.get(), CLONE_NEWNET) < 0)
        throw Error(errno, {}, "setting the network namespace \"" + name_or_path + "\" failed");
}

} // namespace kpath
