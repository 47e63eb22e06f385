// SPDX-License-Identifier: GPL-2.0
// Race-free "wait for file descriptors, a deadline, or SIGINT/SIGTERM" for
// event loops.
#pragma once

#include <chrono>
#include <csignal>
#include <optional>
#include <span>

#include <poll.h>

namespace kpath {

// While alive, SIGINT and SIGTERM are blocked except inside wait(), and
// delivering one makes wait() return Stop (libnl retries recvmsg() on EINTR,
// so a blocking nl_recvmsgs() can not be interrupted by a signal).
//
// A signal whose disposition is SIG_IGN when the object is created (as
// `nohup`, or a shell starting a background job, leave SIGINT) is left
// alone: not blocked, no handler installed, and it does not stop wait().
// The destructor puts back the dispositions and the signal mask it found; a
// stop signal that arrived after the last wait() is taken by this object
// (it only sets the flag), it does not reach the restored disposition.
//
// One StopSignals at a time per process: the flag the handler sets is global.
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;

    using Clock = std::chrono::steady_clock;

    enum class Result { Readable, Stop, Timeout };
    // Wait until fd is readable or a stop signal arrives.
    Result wait(int fd);
    // Wait until one of fds has an event it asks for (Readable: see their
    // revents), the deadline passes (Timeout; nullopt: no deadline), or a
    // stop signal arrives (Stop). Without fds: a sleep that a stop signal
    // ends. A stop signal that is pending when an fd is ready wins: the
    // caller stops even while its fds never go idle.
    Result wait(std::span<pollfd> fds, std::optional<Clock::time_point> deadline);
    // Without waiting: whether a stop signal arrived (a pending one is taken).
    bool stop_requested();
    bool stopped() const noexcept;
    // Whether sig (SIGINT or SIGTERM) stops wait(): false when it was
    // ignored (SIG_IGN) at construction.
    bool handles(int sig) const noexcept;

private:
    Result wait_for(std::span<pollfd> fds, std::optional<Clock::time_point> deadline,
                    const char *what);

    struct Slot {
        int sig;
        bool handled = false; // a handler of ours is installed
        struct sigaction old = {};
    };
    sigset_t old_mask_;
    sigset_t handled_; // the signals of the slots with handled set
    Slot slots_[2] = {{SIGINT}, {SIGTERM}};
};

} // namespace kpath
