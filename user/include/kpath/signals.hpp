// SPDX-License-Identifier: GPL-2.0
// Race-free "wait for a file descriptor or SIGINT/SIGTERM" for event loops.
#pragma once

#include <csignal>

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

    enum class Result { Readable, Stop };
    // Wait until fd is readable or a stop signal arrives.
    Result wait(int fd);
    bool stopped() const noexcept;
    // Whether sig (SIGINT or SIGTERM) stops wait(): false when it was
    // ignored (SIG_IGN) at construction.
    bool handles(int sig) const noexcept;

private:
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
