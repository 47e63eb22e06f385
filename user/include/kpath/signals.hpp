// SPDX-License-Identifier: GPL-2.0
// Race-free "wait for a file descriptor or SIGINT/SIGTERM" for event loops.
#pragma once

#include <csignal>

namespace kpath {

// While alive, SIGINT and SIGTERM are blocked except inside wait(), and
// delivering one makes wait() return Stop (libnl retries recvmsg() on EINTR,
// so a blocking nl_recvmsgs() can not be interrupted by a signal).
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

private:
    sigset_t old_mask_;
    struct sigaction old_int_;
    struct sigaction old_term_;
};

} // namespace kpath
