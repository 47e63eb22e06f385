// SPDX-License-Identifier: GPL-2.0
#include "kpath/signals.hpp"

#include <algorithm>
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
    sigemptyset(&handled_);
    // Leave alone what the caller (or whoever started us) ignores: a job
    // started with SIGINT ignored must not stop on SIGINT.
    for (Slot &s : slots_) {
        struct sigaction cur = {};
        if (sigaction(s.sig, nullptr, &cur) < 0)
            throw Error(errno, {}, "reading a signal disposition");
        if (cur.sa_handler != SIG_IGN)
            sigaddset(&handled_, s.sig);
    }

    if (sigprocmask(SIG_BLOCK, &handled_, &old_mask_) < 0)
        throw Error(errno, {}, "blocking signals");

    struct sigaction sa = {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: ppoll() must return EINTR
    for (Slot &s : slots_) {
        if (!sigismember(&handled_, s.sig))
            continue;
        if (sigaction(s.sig, &sa, &s.old) < 0) {
            const int err = errno;
            for (Slot &done : slots_) {
                if (done.handled)
                    sigaction(done.sig, &done.old, nullptr);
            }
            sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
            throw Error(err, {}, "installing a signal handler");
        }
        s.handled = true;
    }
}

StopSignals::~StopSignals() {
    // Unblock first, while our handler is still installed: a stop signal
    // that is pending (it came after the last wait()) is taken here rather
    // than by the restored disposition, which could be the default action
    // (terminate) for a request to stop that this object has accepted.
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    for (Slot &s : slots_) {
        if (s.handled)
            sigaction(s.sig, &s.old, nullptr);
    }
}

bool StopSignals::stopped() const noexcept {
    return stop_flag != 0;
}

bool StopSignals::handles(int sig) const noexcept {
    return sigismember(&handled_, sig) == 1;
}

StopSignals::Result StopSignals::wait(int fd) {
    pollfd pfd = {fd, POLLIN, 0};
    return wait_for(std::span(&pfd, 1), std::nullopt, "waiting for netlink events");
}

StopSignals::Result StopSignals::wait(std::span<pollfd> fds,
                                      std::optional<Clock::time_point> deadline) {
    return wait_for(fds, deadline, "waiting for events");
}

bool StopSignals::stop_requested() {
    return wait_for({}, Clock::time_point::min(), "polling for signals") == Result::Stop;
}

StopSignals::Result StopSignals::wait_for(std::span<pollfd> fds,
                                          std::optional<Clock::time_point> deadline,
                                          const char *what) {
    // The signals are only unblocked atomically inside ppoll(), so one
    // arriving between two waits is not lost. Ignored ones stay as they were.
    sigset_t during = old_mask_;
    for (const Slot &s : slots_) {
        if (s.handled)
            sigdelset(&during, s.sig);
    }
    for (;;) {
        if (stop_flag)
            return Result::Stop;
        // Relative to now, again after every interruption.
        timespec left = {};
        if (deadline) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    *deadline - std::min(*deadline, Clock::now()))
                                    .count();
            left.tv_sec = static_cast<time_t>(ns / 1000000000);
            left.tv_nsec = static_cast<long>(ns % 1000000000);
        }
        const int rc = ppoll(fds.data(), fds.size(), deadline ? &left : nullptr, &during);
        if (rc > 0) {
            // ppoll() blocks the signals again when an fd is ready, so a
            // stop signal pending meanwhile would wait for an idle moment
            // (never, under a flood): take it now.
            const timespec zero = {};
            if (ppoll(nullptr, 0, &zero, &during) < 0 && errno == EINTR && stop_flag)
                return Result::Stop;
            return Result::Readable;
        }
        if (rc == 0 && deadline && Clock::now() >= *deadline)
            return Result::Timeout;
        if (rc < 0 && errno != EINTR)
            throw Error(errno, {}, what);
    }
}

} // namespace kpath
