// SPDX-License-Identifier: GPL-2.0
// NetnsGuard and kpctl -n: in, and back to the caller's network namespace.
//
// Moving between namespaces is tried in a child process with namespaces of
// its own: a new network namespace (or, without CAP_SYS_ADMIN, a new user
// namespace with a new network namespace: no privilege needed), so nothing
// of the test's process or of the host changes.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "cli.hpp"
#include "kpath/attr.hpp"
#include "kpath/error.hpp"
#include "kpath/netns.hpp"
#include "kpath/rtnl.hpp"
#include "kpctl_run.hpp"

using kpath::Fd;
using kpath::NetnsGuard;
using kpctl_test::kpctl_run;

namespace {

// What identifies a namespace: the nsfs inode behind /proc/thread-self/ns/net.
std::pair<dev_t, ino_t> current_netns_id() {
    struct stat st = {};
    if (stat("/proc/thread-self/ns/net", &st) < 0)
        return {0, 0};
    return {st.st_dev, st.st_ino};
}

std::string errno_text(const std::string &what) {
    return what + ": " + std::strerror(errno);
}

constexpr const char *kNoNamespaces = "namespaces unavailable: ";

// Two network namespaces of the child's own: the child is in `home`, and
// `other` has its loopback renamed to "kpt-other-lo" to tell them apart.
struct Namespaces {
    Fd home;
    Fd other;
    std::string other_path; // "/proc/self/fd/N", a path as -n takes it
};

std::string make_namespaces(Namespaces &ns) {
    if (unshare(CLONE_NEWNET) < 0) {
        if (errno != EPERM)
            return kNoNamespaces + errno_text("unshare(CLONE_NEWNET)");
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
            return kNoNamespaces + errno_text("unshare(CLONE_NEWUSER | CLONE_NEWNET)");
    }
    ns.home = kpath::open_current_netns();
    if (unshare(CLONE_NEWNET) < 0)
        return errno_text("unshare(CLONE_NEWNET) for the second namespace");
    ns.other = kpath::open_current_netns();
    {
        kpath::Socket rtnl(NETLINK_ROUTE);
        kpath::NlMsg msg = kpath::rtnl::build_link_msg(RTM_NEWLINK, NLM_F_REQUEST, 1);
        kpath::attr::put_string(msg.get(), IFLA_IFNAME, "kpt-other-lo");
        rtnl.request(msg);
    }
    if (setns(ns.home.get(), CLONE_NEWNET) < 0)
        return errno_text("setns() back home");
    ns.other_path = "/proc/self/fd/" + std::to_string(ns.other.get());
    return {};
}

// Where the calling thread is: "home", "other" or "elsewhere".
std::string where(const Namespaces &ns) {
    Fd cur = kpath::open_current_netns();
    if (kpath::same_netns(cur.get(), ns.home.get()))
        return "home";
    if (kpath::same_netns(cur.get(), ns.other.get()))
        return "other";
    return "elsewhere";
}

// Run body(ns) in a child process; "" when it passed, else what failed.
// Failures are described by the body's return value or an exception.
std::string in_child(const std::function<std::string(Namespaces &)> &body) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return errno_text("pipe2");
    const pid_t pid = fork();
    if (pid < 0)
        return errno_text("fork");
    if (pid == 0) {
        close(fds[0]);
        std::string msg;
        try {
            Namespaces ns;
            msg = make_namespaces(ns);
            if (msg.empty())
                msg = body(ns);
        } catch (const std::exception &e) {
            msg = std::string("exception: ") + e.what();
        }
        if (!msg.empty() && write(fds[1], msg.data(), msg.size()) < 0)
            _exit(2);
        _exit(msg.empty() ? 0 : 1);
    }
    close(fds[1]);
    std::string msg;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof(buf))) > 0)
        msg.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status))
        return "the child did not exit normally (status " + std::to_string(status) + ")";
    if (WEXITSTATUS(status) != 0 && msg.empty())
        return "the child failed with exit status " + std::to_string(WEXITSTATUS(status));
    return msg;
}

#define EXPECT_IN_CHILD(...)                                                                       \
    do {                                                                                           \
        const std::string failure = in_child(__VA_ARGS__);                                         \
        if (failure.rfind(kNoNamespaces, 0) == 0)                                                  \
            GTEST_SKIP() << failure;                                                               \
        EXPECT_EQ(failure, "");                                                                    \
    } while (0)

// A failed check inside the child.
#define CHILD_CHECK(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return std::string("line ") + std::to_string(__LINE__) + ": " #cond;                   \
    } while (0)

} // namespace

// --- in this process: no privilege needed -------------------------------------

TEST(NetnsGuard, GuardOverTheCurrentNamespaceRestoresWithoutSetns) {
    const auto before = current_netns_id();
    ASSERT_NE(before.second, 0u);
    {
        NetnsGuard guard;
        EXPECT_GE(guard.saved_fd(), 0);
        // Already there: no setns(), which would need CAP_SYS_ADMIN.
        EXPECT_NO_THROW(guard.restore());
        EXPECT_EQ(guard.saved_fd(), -1);
        EXPECT_NO_THROW(guard.restore()); // once only
    }
    EXPECT_EQ(current_netns_id(), before);
}

TEST(NetnsGuard, MissingNamespaceThrowsNetnsErrorWithoutMoving) {
    const auto before = current_netns_id();
    try {
        NetnsGuard guard("kpath-test-no-such-ns");
        FAIL() << "entered a namespace that does not exist";
    } catch (const kpath::NetnsError &e) {
        EXPECT_EQ(e.error(), ENOENT);
        EXPECT_EQ(e.netns(), "kpath-test-no-such-ns");
    }
    EXPECT_EQ(current_netns_id(), before);
}

TEST(NetnsGuard, SameNetns) {
    Fd a = kpath::open_current_netns();
    Fd b = kpath::open_current_netns();
    EXPECT_TRUE(kpath::same_netns(a.get(), b.get()));
    Fd mnt(open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(mnt);
    EXPECT_FALSE(kpath::same_netns(a.get(), mnt.get()));
}

// --- in a child with namespaces of its own -------------------------------------

TEST(NetnsGuard, EntersAndComesBack) {
    EXPECT_IN_CHILD([](Namespaces &ns) -> std::string {
        CHILD_CHECK(where(ns) == "home");
        CHILD_CHECK(if_nametoindex("kpt-other-lo") == 0);
        {
            NetnsGuard guard(ns.other_path);
            CHILD_CHECK(where(ns) == "other");
            CHILD_CHECK(if_nametoindex("kpt-other-lo") == 1); // a socket opened in there
            {
                NetnsGuard inner; // nested: saves "other"
                CHILD_CHECK(where(ns) == "other");
            }
            CHILD_CHECK(where(ns) == "other");
        }
        CHILD_CHECK(where(ns) == "home");
        CHILD_CHECK(if_nametoindex("kpt-other-lo") == 0);
        return {};
    });
}

TEST(NetnsGuard, ExplicitRestoreAndMovedFromGuards) {
    EXPECT_IN_CHILD([](Namespaces &ns) -> std::string {
        NetnsGuard guard(ns.other_path);
        CHILD_CHECK(where(ns) == "other");
        guard.restore();
        CHILD_CHECK(where(ns) == "home");
        CHILD_CHECK(guard.saved_fd() == -1);

        std::optional<NetnsGuard> first;
        first.emplace(ns.other_path);
        NetnsGuard second(std::move(*first));
        first.reset(); // moved from: restores nothing
        CHILD_CHECK(where(ns) == "other");
        second.restore();
        CHILD_CHECK(where(ns) == "home");
        return {};
    });
}

TEST(NetnsGuard, ComingBackToWhereItIsNeedsNoPrivilege) {
    EXPECT_IN_CHILD([](Namespaces &ns) -> std::string {
        // Without CAP_SYS_ADMIN in the effective set, setns() fails even
        // into the namespace the thread is in.
        __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3] = {};
        CHILD_CHECK(syscall(SYS_capget, &hdr, caps) == 0);
        for (auto &c : caps)
            c.effective = 0;
        CHILD_CHECK(syscall(SYS_capset, &hdr, caps) == 0);
        CHILD_CHECK(setns(ns.home.get(), CLONE_NEWNET) < 0 && errno == EPERM);

        NetnsGuard guard;
        guard.restore(); // throws if it calls setns()
        CHILD_CHECK(where(ns) == "home");
        return {};
    });
}

TEST(NetnsGuard, EnterNetnsStaysThere) {
    EXPECT_IN_CHILD([](Namespaces &ns) -> std::string {
        kpath::enter_netns(ns.other_path);
        CHILD_CHECK(where(ns) == "other");
        return {};
    });
}

TEST(KpctlNetns, DashNRunsThereAndComesBack) {
    EXPECT_IN_CHILD([](Namespaces &ns) -> std::string {
        // In the other namespace the (renamed) loopback exists, and is not a
        // kploop device; at home there is no such device at all.
        kpctl_test::Result r =
                kpctl_run({"-n", ns.other_path.c_str(), "loop", "show", "kpt-other-lo"});
        CHILD_CHECK(r.rc == 2);
        CHILD_CHECK(r.err == "Error: device \"kpt-other-lo\" is not a kploop device (Operation "
                             "not supported)\n");
        CHILD_CHECK(where(ns) == "home");

        r = kpctl_run({"loop", "show", "kpt-other-lo"});
        CHILD_CHECK(r.rc == 1);
        CHILD_CHECK(r.err == "Cannot find device \"kpt-other-lo\"\n");

        // Also when the command fails before any socket is opened.
        r = kpctl_run({"-n", ns.other_path.c_str(), "loop", "del", "kpt-nosuch0"});
        CHILD_CHECK(r.rc == 1);
        CHILD_CHECK(where(ns) == "home");
        return {};
    });
}
