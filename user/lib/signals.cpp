// SPDX-License-Identifier: GPL-2.0
#include "kpath/signals.hpp"

#include <cerrno>

#include <poll.h>

#include "kpath/error.hpp"

namespace kpath {

namespace {

volatile sig_atomic_t stop_flag = 0;

void on_stop_signal(int) {
    stop_flag = 1;
}

} // namespace

StopSignals::StopSignals() {
    stop_flag = 0;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &block, &old_mask_) < 0)
        throw Error(errno, {}, "blocking signals");

    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: ppoll() must return EINTR
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool StopSignals::stopped() const noexcept {
    return stop_flag != 0;
}

StopSignals::Result StopSignals::wait(int fd) {
    // The signals are only unblocked atomically inside ppoll(), so one
    // arriving between two waits is not lost.
    sigset_t during = old_mask_;
    sigdelset(&during, SIGINT);
    sigdelset(&during, SIGTERM);
    for (;;) {
        if (stop_flag)
            return Result::Stop;
        pollfd pfd = {fd, POLLIN, 0};
        int rc = ppoll(&pfd, 1, nullptr, &during);
        if (rc > 0)
            return Result::Readable;
        if (rc < 0 && errno != EINTR)
            throw Error(errno, {}, "waiting for netlink events");
    }
}

} // namespace kpath
