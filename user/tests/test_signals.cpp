// SPDX-License-Identifier: GPL-2.0
// StopSignals: which signals it takes over, what it leaves alone (SIG_IGN,
// as under nohup or for a background job), and what it puts back; waits
// with several descriptors and deadlines.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

#include <fcntl.h>
#include <unistd.h>

#include "kpath/signals.hpp"

using kpath::StopSignals;

namespace {

// Puts SIGINT's and SIGTERM's dispositions and the signal mask back after a
// test, and arms an alarm so a wait() that never returns fails the test
// (SIGALRM's default action) instead of hanging it.
class SignalState {
public:
    SignalState() {
        sigaction(SIGINT, nullptr, &int_);
        sigaction(SIGTERM, nullptr, &term_);
        sigprocmask(SIG_SETMASK, nullptr, &mask_);
        alarm(10);
    }
    ~SignalState() {
        alarm(0);
        sigaction(SIGINT, &int_, nullptr);
        sigaction(SIGTERM, &term_, nullptr);
        sigprocmask(SIG_SETMASK, &mask_, nullptr);
    }
    SignalState(const SignalState &) = delete;
    SignalState &operator=(const SignalState &) = delete;

private:
    struct sigaction int_ = {};
    struct sigaction term_ = {};
    sigset_t mask_;
};

volatile sig_atomic_t prior_calls = 0;

void prior_handler(int) {
    prior_calls = prior_calls + 1;
}

void set_disposition(int sig, void (*handler)(int)) {
    struct sigaction sa = {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(sigaction(sig, &sa, nullptr), 0);
}

void (*disposition(int sig))(int) {
    struct sigaction sa = {};
    sigaction(sig, nullptr, &sa);
    return sa.sa_handler;
}

void unblock(int sig) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, nullptr);
}

bool blocked(int sig) {
    sigset_t s;
    sigprocmask(SIG_SETMASK, nullptr, &s);
    return sigismember(&s, sig) == 1;
}

bool pending(int sig) {
    sigset_t s;
    sigpending(&s);
    return sigismember(&s, sig) == 1;
}

struct Pipe {
    int r = -1;
    int w = -1;
    Pipe() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
            r = fds[0];
            w = fds[1];
        }
    }
    ~Pipe() {
        close(r);
        close(w);
    }
    Pipe(const Pipe &) = delete;
    Pipe &operator=(const Pipe &) = delete;
};

} // namespace

TEST(StopSignals, SignalIgnoredAtStartIsLeftAlone) {
    for (int ignored : {SIGINT, SIGTERM}) {
        SCOPED_TRACE(ignored == SIGINT ? "SIGINT ignored" : "SIGTERM ignored");
        const int other = ignored == SIGINT ? SIGTERM : SIGINT;
        SignalState state;
        set_disposition(ignored, SIG_IGN);
        set_disposition(other, SIG_DFL);
        unblock(ignored);
        unblock(other);
        {
            StopSignals stop;
            EXPECT_FALSE(stop.handles(ignored));
            EXPECT_TRUE(stop.handles(other));
            // Still ignored, and not blocked (a blocked signal is kept
            // pending even when ignored).
            EXPECT_EQ(disposition(ignored), SIG_IGN);
            EXPECT_FALSE(blocked(ignored));
            EXPECT_NE(disposition(other), SIG_DFL);
            EXPECT_TRUE(blocked(other));

            // An ignored signal is dropped: nothing pending, no stop.
            ASSERT_EQ(raise(ignored), 0);
            EXPECT_FALSE(pending(ignored));
            EXPECT_FALSE(stop.stopped());
            Pipe p;
            ASSERT_GE(p.r, 0);
            ASSERT_EQ(write(p.w, "x", 1), 1);
            EXPECT_EQ(stop.wait(p.r), StopSignals::Result::Readable);
            EXPECT_FALSE(stop.stopped());
        }
        EXPECT_EQ(disposition(ignored), SIG_IGN);
        EXPECT_EQ(disposition(other), SIG_DFL);
        EXPECT_FALSE(blocked(ignored));
        EXPECT_FALSE(blocked(other));
    }
}

TEST(StopSignals, BothIgnoredNeitherStops) {
    SignalState state;
    set_disposition(SIGINT, SIG_IGN);
    set_disposition(SIGTERM, SIG_IGN);
    StopSignals stop;
    EXPECT_FALSE(stop.handles(SIGINT));
    EXPECT_FALSE(stop.handles(SIGTERM));
    ASSERT_EQ(raise(SIGINT), 0);
    ASSERT_EQ(raise(SIGTERM), 0);
    EXPECT_FALSE(pending(SIGINT));
    EXPECT_FALSE(pending(SIGTERM));
    Pipe p;
    ASSERT_GE(p.r, 0);
    ASSERT_EQ(write(p.w, "x", 1), 1);
    EXPECT_EQ(stop.wait(p.r), StopSignals::Result::Readable);
    EXPECT_FALSE(stop.stopped());
}

TEST(StopSignals, HandledSignalStopsWait) {
    for (int sig : {SIGINT, SIGTERM}) {
        SCOPED_TRACE(sig == SIGINT ? "SIGINT" : "SIGTERM");
        SignalState state;
        set_disposition(SIGINT, SIG_DFL);
        set_disposition(SIGTERM, SIG_DFL);
        StopSignals stop;
        EXPECT_TRUE(stop.handles(sig));
        // Blocked outside wait(): it waits, pending, for the next wait().
        ASSERT_EQ(raise(sig), 0);
        EXPECT_TRUE(pending(sig));
        EXPECT_FALSE(stop.stopped());
        Pipe p; // nothing to read: only the signal can end the wait
        ASSERT_GE(p.r, 0);
        EXPECT_EQ(stop.wait(p.r), StopSignals::Result::Stop);
        EXPECT_TRUE(stop.stopped());
        EXPECT_FALSE(pending(sig));
    }
}

TEST(StopSignals, PreviousDispositionsAndMaskAreRestored) {
    SignalState state;
    set_disposition(SIGINT, SIG_DFL);
    set_disposition(SIGTERM, prior_handler);
    sigset_t before;
    sigemptyset(&before);
    sigaddset(&before, SIGUSR1); // unrelated, and must stay blocked
    ASSERT_EQ(sigprocmask(SIG_SETMASK, &before, nullptr), 0);
    {
        StopSignals stop;
        EXPECT_NE(disposition(SIGINT), SIG_DFL);
        EXPECT_NE(disposition(SIGTERM), prior_handler);
        EXPECT_TRUE(blocked(SIGINT));
        EXPECT_TRUE(blocked(SIGTERM));
    }
    EXPECT_EQ(disposition(SIGINT), SIG_DFL);
    EXPECT_EQ(disposition(SIGTERM), prior_handler);
    EXPECT_TRUE(blocked(SIGUSR1));
    EXPECT_FALSE(blocked(SIGINT));
    EXPECT_FALSE(blocked(SIGTERM));
}

TEST(StopSignals, SignalAfterTheLastWaitIsTakenBeforeRestoring) {
    SignalState state;
    set_disposition(SIGINT, SIG_DFL);
    set_disposition(SIGTERM, prior_handler);
    prior_calls = 0;
    {
        StopSignals stop;
        ASSERT_EQ(raise(SIGTERM), 0); // pending: no wait() follows
    }
    // Delivered to StopSignals' handler on the way out, not to the restored
    // one (which for SIG_DFL would have ended the process).
    EXPECT_EQ(prior_calls, 0);
    EXPECT_FALSE(pending(SIGTERM));
    EXPECT_EQ(disposition(SIGTERM), prior_handler);
}

TEST(StopSignals, WaitForSeveralFdsWithADeadline) {
    using Clock = StopSignals::Clock;
    SignalState state;
    set_disposition(SIGTERM, SIG_DFL);
    StopSignals stop;
    Pipe a, b;
    ASSERT_GE(a.r, 0);
    ASSERT_GE(b.r, 0);
    pollfd fds[] = {{a.r, POLLIN, 0}, {b.r, POLLIN, 0}};

    // Nothing to read: the deadline ends it, not earlier.
    auto start = Clock::now();
    EXPECT_EQ(stop.wait(fds, start + std::chrono::milliseconds(30)), StopSignals::Result::Timeout);
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(30));
    // Without fds: a sleep.
    start = Clock::now();
    EXPECT_EQ(stop.wait({}, start + std::chrono::milliseconds(20)), StopSignals::Result::Timeout);
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(20));

    // The second is readable; revents tells which.
    ASSERT_EQ(write(b.w, "x", 1), 1);
    EXPECT_EQ(stop.wait(fds, std::nullopt), StopSignals::Result::Readable);
    EXPECT_EQ(fds[0].revents, 0);
    EXPECT_EQ(fds[1].revents, POLLIN);
    // Readable wins over a deadline that has passed.
    EXPECT_EQ(stop.wait(fds, Clock::now() - std::chrono::seconds(1)),
              StopSignals::Result::Readable);
    // Other events: a pipe's write end has room.
    pollfd out = {a.w, POLLOUT, 0};
    EXPECT_EQ(stop.wait(std::span(&out, 1), std::nullopt), StopSignals::Result::Readable);

    // A stop signal pending while an fd is ready wins (a flood of data
    // cannot hold off SIGTERM), and ends every later wait too.
    ASSERT_EQ(raise(SIGTERM), 0);
    EXPECT_EQ(stop.wait(fds, std::nullopt), StopSignals::Result::Stop);
    EXPECT_TRUE(stop.stopped());
    char c;
    ASSERT_EQ(read(b.r, &c, 1), 1);
    EXPECT_EQ(stop.wait(fds, Clock::now() - std::chrono::seconds(1)), StopSignals::Result::Stop);
    EXPECT_EQ(stop.wait(fds, std::nullopt), StopSignals::Result::Stop);
}

TEST(StopSignals, StopRequestedTakesAPendingSignal) {
    SignalState state;
    set_disposition(SIGINT, SIG_DFL);
    StopSignals stop;
    EXPECT_FALSE(stop.stop_requested());
    EXPECT_FALSE(stop.stopped());
    ASSERT_EQ(raise(SIGINT), 0);
    EXPECT_TRUE(pending(SIGINT));
    EXPECT_TRUE(stop.stop_requested());
    EXPECT_FALSE(pending(SIGINT));
    EXPECT_TRUE(stop.stopped());
    EXPECT_TRUE(stop.stop_requested());
}
