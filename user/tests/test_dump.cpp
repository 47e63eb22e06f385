// SPDX-License-Identifier: GPL-2.0
// Retrying interrupted dumps (retry_dump() with fake dumps standing in for
// the kernel's NLM_F_DUMP_INTR) and telling lost events from ENOMEM.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include <netlink/errno.h>

#include "kpath/error.hpp"
#include "kpath/netlink.hpp"

using kpath::DumpResult;
using kpath::RequestResult;
using kpath::retry_dump;

namespace {

// A dump whose attempts are interrupted until attempt number `consistent_at`
// (1-based; 0: never). Attempt n yields {n, n} and warns "attempt n".
struct FakeDump {
    int consistent_at = 0;
    int calls = 0;

    RequestResult operator()(std::vector<int> &items) {
        EXPECT_TRUE(items.empty()) << "each attempt must start from nothing";
        calls++;
        items.push_back(calls);
        items.push_back(calls);
        RequestResult r;
        r.interrupted = consistent_at == 0 || calls < consistent_at;
        r.warnings.push_back("attempt " + std::to_string(calls));
        return r;
    }
};

} // namespace

TEST(RetryDump, ConsistentFirstTimeRunsOnce) {
    FakeDump fake{1};
    DumpResult<std::vector<int>> r = retry_dump<std::vector<int>>(std::ref(fake));
    EXPECT_EQ(fake.calls, 1);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.items, (std::vector<int>{1, 1}));
    EXPECT_EQ(r.warnings, (std::vector<std::string>{"attempt 1"}));
}

TEST(RetryDump, InterruptedAttemptsAreDiscarded) {
    FakeDump fake{3};
    auto r = retry_dump<std::vector<int>>(std::ref(fake));
    EXPECT_EQ(fake.calls, 3);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.items, (std::vector<int>{3, 3})); // nothing left from attempts 1 and 2
    EXPECT_EQ(r.warnings, (std::vector<std::string>{"attempt 3"}));
}

TEST(RetryDump, GivesUpAfterTenAttemptsWithTheLastResultAndAWarning) {
    FakeDump fake{0};
    auto r = retry_dump<std::vector<int>>(std::ref(fake));
    EXPECT_EQ(kpath::dump_max_attempts, 10);
    EXPECT_EQ(fake.calls, 10);
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(r.items, (std::vector<int>{10, 10}));
    EXPECT_EQ(r.warnings, (std::vector<std::string>{
                                  "attempt 10", "Dump was interrupted and may be inconsistent."}));
}

TEST(RetryDump, ConsistentOnTheLastAllowedAttemptHasNoWarning) {
    FakeDump fake{4};
    auto r = retry_dump<std::vector<int>>(std::ref(fake), 4);
    EXPECT_EQ(fake.calls, 4);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(r.warnings, (std::vector<std::string>{"attempt 4"}));
}

TEST(RetryDump, AtLeastOneAttempt) {
    FakeDump fake{0};
    auto r = retry_dump<std::vector<int>>(std::ref(fake), 0);
    EXPECT_EQ(fake.calls, 1);
    EXPECT_TRUE(r.interrupted);
    EXPECT_EQ(r.items, (std::vector<int>{1, 1}));
}

TEST(RetryDump, ExceptionsStopTheRetries) {
    int calls = 0;
    auto failing = [&](std::vector<int> &) -> RequestResult {
        calls++;
        throw kpath::Error(EPERM);
    };
    EXPECT_THROW(retry_dump<std::vector<int>>(failing), kpath::Error);
    EXPECT_EQ(calls, 1);
}

TEST(RecvErrno, EnobufsIsNotEnomem) {
    // libnl reports both as NLE_NOMEM; errno tells them apart.
    EXPECT_EQ(kpath::recv_errno(-NLE_NOMEM, ENOBUFS), ENOBUFS);
    EXPECT_EQ(kpath::recv_errno(-NLE_NOMEM, ENOMEM), ENOMEM);
    EXPECT_EQ(kpath::recv_errno(-NLE_NOMEM, 0), ENOMEM);
    // errno only matters for NLE_NOMEM.
    EXPECT_EQ(kpath::recv_errno(-NLE_AGAIN, EAGAIN), EAGAIN);
    EXPECT_EQ(kpath::recv_errno(-NLE_AGAIN, ENOBUFS), EAGAIN);
    EXPECT_EQ(kpath::recv_errno(-NLE_BAD_SOCK, ENOBUFS), EBADF);
}

TEST(RecvErrno, EventsLostIsAnErrorWithEnobufs) {
    kpath::EventsLost e;
    const kpath::Error &base = e;
    EXPECT_EQ(base.error(), ENOBUFS);
    EXPECT_EQ(e.describe(), "events lost (receive buffer overflow) (No buffer space available)");
}
