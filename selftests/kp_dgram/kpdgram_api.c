// SPDX-License-Identifier: GPL-2.0
/*
 * kpdgram_api: the socket API of kp_dgram (Documentation/kp_dgram.rst)
 * over lo, IPv4 and IPv6 (FIXTURE_VARIANT): every errno of the contract,
 * MSG_PEEK / MSG_TRUNC / MSG_DONTWAIT, SO_REUSEADDR, ephemeral ports,
 * connect and AF_UNSPEC, receive-buffer drops, poll / epoll, FIONREAD and
 * SIOCOUTQ, ancillary data, the send buffer, the socket table (genetlink
 * and /proc/net/kp_dgram{,6}); malformed packets crafted on raw sockets;
 * ICMP port unreachable, port-unreach off, ECONNREFUSED; the checksum on
 * the wire; every size up to the largest datagram, byte for byte; and who
 * may read and change the configuration.
 *
 * Each fixture test runs in a network namespace of its own (unshare()
 * in the test's child), where every counter starts at 0: each test ends
 * by checking all fourteen counters (both families) exactly.  The
 * permission tests run in the namespace the program was started in (the
 * initial one, from kpdgram_api.sh).
 *
 * Needs root, kp_dgram loaded; the send-buffer test needs kp_loop (a
 * loop-mode device) and sch_netem (both loaded by kpdgram_api.sh).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kd_common.h"

static int g_proto = KP_DGRAM_PROTO_DEFAULT;

/* ------------------------------------------------------------------------ */
/* Counters.                                                                 */

struct dg_exp {
	uint64_t in, noports, inerr, csum, rcvbuf, out, sndbuf;
};

static void exp_to_arr(const struct dg_exp *e, uint64_t *v)
{
	memset(v, 0, sizeof(uint64_t) * (KP_DGRAM_A_STATS_MAX + 1));
	v[KD_IN] = e->in;
	v[KD_NOPORTS] = e->noports;
	v[KD_INERR] = e->inerr;
	v[KD_CSUMERR] = e->csum;
	v[KD_RCVBUF] = e->rcvbuf;
	v[KD_OUT] = e->out;
	v[KD_SNDBUF] = e->sndbuf;
}

static void mib_str(const struct kd_mib *m, char *buf, size_t len)
{
	int i, n = 0;

	if (!m->present) {
		snprintf(buf, len, "(no nest)");
		return;
	}
	buf[0] = '\0';
	for (i = KP_DGRAM_A_STATS_IN_DATAGRAMS; i <= KP_DGRAM_A_STATS_MAX; i++) {
		if (m->has[i])
			n += snprintf(buf + n, len - n, "%s=%llu ",
				      kd_counter_name(i), (unsigned long long)m->v[i]);
		else
			n += snprintf(buf + n, len - n, "%s=(absent) ",
				      kd_counter_name(i));
		if (n >= (int)len)
			return;
	}
}

static bool mib_is(const struct kd_mib *m, const uint64_t *v)
{
	int i;

	if (!m->present)
		return false;
	for (i = KP_DGRAM_A_STATS_IN_DATAGRAMS; i <= KP_DGRAM_A_STATS_MAX; i++)
		if (!m->has[i] || m->v[i] != v[i])
			return false;
	return true;
}

/*
 * The counters of @fam in this netns are exactly @e, the other family's all
 * 0.  Datagrams are counted in softirq context, maybe after the call that
 * sent them returned: wait up to 3 s for the values, which must then match
 * exactly (a counter that went past its value never comes back).
 */
static void expect_mib(struct __test_metadata *_metadata, int fam,
		       struct dg_exp e)
{
	uint64_t want[KP_DGRAM_A_STATS_MAX + 1], zero[KP_DGRAM_A_STATS_MAX + 1];
	char got4[512], got6[512];
	struct kd_stats st;
	int i, err = 0;

	exp_to_arr(&e, want);
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < 300; i++) {
		err = kd_stats_get(&st);
		if (!err && mib_is(fam == AF_INET ? &st.mib4 : &st.mib6, want) &&
		    mib_is(fam == AF_INET ? &st.mib6 : &st.mib4, zero))
			return;
		usleep(10000);
	}
	ASSERT_EQ(0, err) TH_LOG("stats-get: %s", strerror(-err));
	mib_str(&st.mib4, got4, sizeof(got4));
	mib_str(&st.mib6, got6, sizeof(got6));
	TH_LOG("counters: ipv4: %s", got4);
	TH_LOG("counters: ipv6: %s", got6);
	TH_LOG("expected for %s: in_datagrams=%llu no_ports=%llu in_errors=%llu",
	       fam == AF_INET ? "ipv4" : "ipv6", (unsigned long long)e.in,
	       (unsigned long long)e.noports, (unsigned long long)e.inerr);
	TH_LOG("  in_csum_errors=%llu rcvbuf_errors=%llu out_datagrams=%llu sndbuf_errors=%llu",
	       (unsigned long long)e.csum, (unsigned long long)e.rcvbuf,
	       (unsigned long long)e.out, (unsigned long long)e.sndbuf);
	TH_LOG("  and all 0 for %s", fam == AF_INET ? "ipv6" : "ipv4");
	ASSERT_TRUE(false) TH_LOG("counters not as expected");
}

#define EXPECT_MIB(fam, ...) \
	expect_mib(_metadata, fam, (struct dg_exp){ __VA_ARGS__ })

/* Wait (up to 3 s) until this netns's counter @c of @fam reaches @v. */
static uint64_t wait_counter(int fam, int c, uint64_t v)
{
	struct kd_stats st;
	uint64_t got = 0;
	int i;

	for (i = 0; i < 300; i++) {
		if (!kd_stats_get(&st)) {
			got = (fam == AF_INET ? &st.mib4 : &st.mib6)->v[c];
			if (got >= v)
				break;
		}
		usleep(10000);
	}
	return got;
}

/* ------------------------------------------------------------------------ */
/* The fixture: a netns of its own, lo up.                                  */

FIXTURE(dg) {
	bool qdisc;	/* kdq0's netem holds packets: delete it at the end */
};

FIXTURE_VARIANT(dg) {
	const char *name;
	int family;
	const char *loopback;
	const char *loopback2;	/* another local address, added by tests */
	const char *any;
	int max_payload;
	int iphdr;
	const char *sysctl_proto;	/* "ipv4" / "ipv6" */
};

FIXTURE_VARIANT_ADD(dg, ipv4) {
	.name = "ipv4",
	.family = AF_INET,
	.loopback = "127.0.0.1",
	.loopback2 = "127.0.0.2",
	.any = "0.0.0.0",
	.max_payload = KP_DGRAM_MAX_PAYLOAD,
	.iphdr = 20,
	.sysctl_proto = "ipv4",
};

FIXTURE_VARIANT_ADD(dg, ipv6) {
	.name = "ipv6",
	.family = AF_INET6,
	.loopback = "::1",
	.loopback2 = "fd00:db8:253::2",
	.any = "::",
	.max_payload = KD_MAX_PAYLOAD6,
	.iphdr = 40,
	.sysctl_proto = "ipv6",
};

FIXTURE_SETUP(dg)
{
	int err;

	kd_kmsg("kpdgram_api: dg.%s.%s", variant->name, _metadata->name);
	err = kd_netns_fresh();
	ASSERT_EQ(0, err) TH_LOG("a netns of our own: %s", strerror(-err));
}

/* Declared further down. */
static int sh(const char *cmd);

FIXTURE_TEARDOWN(dg)
{
	/*
	 * Packets held in a qdisc keep their socket, which keeps this netns,
	 * which keeps the qdisc (and a reference on kp_dgram): free them.
	 */
	if (self->qdisc)
		sh("ip link del kdq0");
}

static union kd_addr lo_addr(const struct _fixture_variant_dg *v, int port)
{
	union kd_addr a;

	kd_addr(&a, v->family, v->loopback, port);
	return a;
}

static int dsock(const struct _fixture_variant_dg *v)
{
	return socket(v->family, SOCK_DGRAM | SOCK_CLOEXEC, g_proto);
}

static int port_of(int fd)
{
	union kd_addr a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len))
		return -errno;
	return kd_addr_port(&a);
}

/* A socket bound to @text:@port (port 0: ephemeral); dies on failure. */
static int bound_at(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v,
		    const char *text, int port)
{
	union kd_addr a;
	int fd = dsock(v);

	ASSERT_LE(0, fd) TH_LOG("socket(%d, SOCK_DGRAM, %d): %s", v->family,
				g_proto, strerror(errno));
	ASSERT_EQ(0, kd_addr(&a, v->family, text, port));
	ASSERT_EQ(0, bind(fd, &a.sa, kd_addr_len(v->family)))
		TH_LOG("bind %s port %d: %s", text, port, strerror(errno));
	return fd;
}

static int bound(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v, int port)
{
	return bound_at(_metadata, v, v->loopback, port);
}

static ssize_t send_lo(const struct _fixture_variant_dg *v, int fd, int port, const void *buf,
		       size_t len, int flags)
{
	union kd_addr a = lo_addr(v, port);

	return sendto(fd, buf, len, flags, &a.sa, kd_addr_len(v->family));
}

/* Receive one datagram (waiting up to 3 s); its length, or -errno. */
static ssize_t recv_wait(int fd, void *buf, size_t len, union kd_addr *from)
{
	socklen_t flen = sizeof(*from);
	ssize_t n;
	int r = kd_wait_readable(fd, 3000);

	if (r < 0)
		return r;
	if (!r)
		return -ETIMEDOUT;
	n = recvfrom(fd, buf, len, MSG_DONTWAIT, from ? &from->sa : NULL,
		     from ? &flen : NULL);
	return n < 0 ? -errno : n;
}

/* Nothing queued on @fd. */
#define ASSERT_EMPTY(fd) do { \
	char __b[16]; \
	ASSERT_EQ(-1, recv((fd), __b, sizeof(__b), MSG_DONTWAIT)); \
	ASSERT_EQ(EAGAIN, errno); \
} while (0)

/* @what fails with errno @err. */
#define ASSERT_ERRNO(err, what) do { \
	int __want = (err); \
	errno = 0; \
	ASSERT_EQ(-1, (what)); \
	ASSERT_EQ(__want, errno) TH_LOG("%s: %s, expected %s", #what, \
					strerrorname_np(errno), strerrorname_np(__want)); \
} while (0)

/* Run @cmd with /bin/sh in this netns; 0 on success. */
static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (int)strlen(text) ? 0 : -EIO;
}

static int closed_port(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v);

/* ------------------------------------------------------------------------ */
/* The socket.                                                               */

TEST_F(dg, socket_reports_type_protocol_and_defaults)
{
	int fd = dsock(variant), v;
	socklen_t len = sizeof(v);
	struct kd_stats st;

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	ASSERT_EQ(SOCK_DGRAM, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	ASSERT_EQ(g_proto, v);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	ASSERT_EQ(variant->family, v);
	/* unbound: port 0 */
	ASSERT_EQ(0, port_of(fd));
	/* the namespace's configuration and counters */
	ASSERT_EQ(0, kd_stats_get(&st));
	ASSERT_EQ(KP_DGRAM_CMD_STATS_GET, st.cmd);
	ASSERT_TRUE(st.has_proto);
	ASSERT_EQ(g_proto, st.proto);
	ASSERT_TRUE(st.has_port_unreach);
	ASSERT_EQ(1, st.port_unreach);
	EXPECT_MIB(variant->family, 0);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* bind.                                                                     */

TEST_F(dg, bind_taken_port_eaddrinuse)
{
	union kd_addr a;
	int a1, b, c, d, port;
	char cmd[256];

	a1 = bound(_metadata, variant, 0);
	port = port_of(a1);
	ASSERT_LT(0, port);

	/* same address and port */
	b = dsock(variant);
	a = lo_addr(variant, port);
	ASSERT_ERRNO(EADDRINUSE, bind(b, &a.sa, kd_addr_len(variant->family)));
	/* the wildcard address over a bound one */
	ASSERT_EQ(0, kd_addr(&a, variant->family, variant->any, port));
	ASSERT_ERRNO(EADDRINUSE, bind(b, &a.sa, kd_addr_len(variant->family)));
	close(b);

	/* another local address may share the port */
	if (variant->family == AF_INET6) {
		snprintf(cmd, sizeof(cmd),
			 "ip -6 addr add %s/128 dev lo nodad", variant->loopback2);
		ASSERT_EQ(0, sh(cmd));
	}
	c = bound_at(_metadata, variant, variant->loopback2, port);
	ASSERT_EQ(port, port_of(c));

	/* a wildcard bind first, then a specific address: taken too */
	d = bound_at(_metadata, variant, variant->any, port + 1 > 65535 ? 1 : port + 1);
	b = dsock(variant);
	a = lo_addr(variant, port_of(d));
	ASSERT_ERRNO(EADDRINUSE, bind(b, &a.sa, kd_addr_len(variant->family)));
	close(b);
	close(d);

	/* freed once closed */
	close(a1);
	a1 = bound(_metadata, variant, port);
	close(a1);
	close(c);
	EXPECT_MIB(variant->family, 0);
}

static void set_reuseaddr(struct __test_metadata *_metadata, int fd)
{
	int one = 1;

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
}

TEST_F(dg, reuseaddr_shares_the_port_last_bound_receives)
{
	union kd_addr a;
	int r1, r2, r3, s, port;
	char buf[64];

	r1 = dsock(variant);
	set_reuseaddr(_metadata, r1);
	a = lo_addr(variant, 0);
	ASSERT_EQ(0, bind(r1, &a.sa, kd_addr_len(variant->family)));
	port = port_of(r1);
	a = lo_addr(variant, port);

	/* a socket without SO_REUSEADDR cannot join */
	r3 = dsock(variant);
	ASSERT_ERRNO(EADDRINUSE, bind(r3, &a.sa, kd_addr_len(variant->family)));
	close(r3);

	r2 = dsock(variant);
	set_reuseaddr(_metadata, r2);
	ASSERT_EQ(0, bind(r2, &a.sa, kd_addr_len(variant->family)))
		TH_LOG("second SO_REUSEADDR bind: %s", strerror(errno));
	ASSERT_EQ(port, port_of(r2));

	s = bound(_metadata, variant, 0);
	ASSERT_EQ(5, send_lo(variant, s, port, "first", 5, 0));
	ASSERT_EQ(5, recv_wait(r2, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, memcmp(buf, "first", 5));
	ASSERT_EMPTY(r1);
	/* the last bound gone, the other one receives */
	close(r2);
	ASSERT_EQ(6, send_lo(variant, s, port, "second", 6, 0));
	ASSERT_EQ(6, recv_wait(r1, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, memcmp(buf, "second", 6));

	/* SO_REUSEADDR on the newcomer only: taken */
	r3 = dsock(variant);
	set_reuseaddr(_metadata, r3);
	close(r1);
	r1 = bound(_metadata, variant, 0);
	a = lo_addr(variant, port_of(r1));
	ASSERT_ERRNO(EADDRINUSE, bind(r3, &a.sa, kd_addr_len(variant->family)));
	EXPECT_MIB(variant->family, .in = 2, .out = 2);
}

TEST_F(dg, bind_port_0_picks_from_ip_local_port_range)
{
	int fds[10], i, j, p, nfree = 0, freed1, freed2, u;
	union kd_addr a;
	char buf[8];

	/* 10 ports, one reserved: 9 to hand out */
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/ip_local_port_range",
				"40000 40009"));
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/ip_local_reserved_ports",
				"40004"));
	for (i = 0; i < 9; i++) {
		fds[i] = bound(_metadata, variant, 0);
		p = port_of(fds[i]);
		ASSERT_LE(40000, p);
		ASSERT_GE(40009, p);
		ASSERT_NE(40004, p) TH_LOG("a reserved port was handed out");
		for (j = 0; j < i; j++)
			ASSERT_NE(port_of(fds[j]), p) TH_LOG("port %d twice", p);
		nfree++;
	}
	/* the range is used up */
	fds[9] = dsock(variant);
	a = lo_addr(variant, 0);
	ASSERT_ERRNO(EADDRINUSE, bind(fds[9], &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(0, port_of(fds[9]));

	/* an unbound socket is bound on its first send: to the one free port */
	freed1 = port_of(fds[3]);
	close(fds[3]);
	ASSERT_EQ(1, send_lo(variant, fds[9], port_of(fds[0]), "x", 1, 0));
	ASSERT_EQ(freed1, port_of(fds[9]));
	ASSERT_EQ(1, recv_wait(fds[0], buf, sizeof(buf), &a));
	ASSERT_EQ(freed1, kd_addr_port(&a));
	/* ... and on connect */
	freed2 = port_of(fds[5]);
	close(fds[5]);
	u = dsock(variant);
	a = lo_addr(variant, port_of(fds[0]));
	ASSERT_EQ(0, connect(u, &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(freed2, port_of(u));
	close(u);
	for (i = 0; i < 10; i++)
		if (i != 3 && i != 5)
			close(fds[i]);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

/* ------------------------------------------------------------------------ */
/* send errors.                                                              */

TEST_F(dg, port_0_destination_einval)
{
	union kd_addr a = lo_addr(variant, 0);
	int s = bound(_metadata, variant, 0);

	ASSERT_ERRNO(EINVAL, sendto(s, "x", 1, 0, &a.sa, kd_addr_len(variant->family)));
	ASSERT_ERRNO(EINVAL, connect(s, &a.sa, kd_addr_len(variant->family)));
	/* still unconnected */
	ASSERT_ERRNO(EDESTADDRREQ, send(s, "x", 1, 0));
	close(s);
	EXPECT_MIB(variant->family, 0);
}

TEST_F(dg, send_without_destination_edestaddrreq)
{
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int s = dsock(variant), b = bound(_metadata, variant, 0);

	ASSERT_ERRNO(EDESTADDRREQ, send(s, "x", 1, 0));
	ASSERT_ERRNO(EDESTADDRREQ, sendto(s, "x", 1, 0, NULL, 0));
	ASSERT_ERRNO(EDESTADDRREQ, sendmsg(s, &msg, 0));
	ASSERT_ERRNO(EDESTADDRREQ, send(b, "x", 1, 0));
	close(s);
	close(b);
	EXPECT_MIB(variant->family, 0);
}

TEST_F(dg, largest_payload_passes_one_more_emsgsize)
{
	int max = variant->max_payload, s, r, port;
	uint8_t *out = malloc(max + 2), *in = malloc(max + 2);
	union kd_addr a;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, in);
	kd_fill(out, max + 1, kd_random_seed(), 0);
	r = bound(_metadata, variant, 0);
	port = port_of(r);
	s = bound(_metadata, variant, 0);
	ASSERT_ERRNO(EMSGSIZE, send_lo(variant, s, port, out, max + 1, 0));
	ASSERT_ERRNO(EMSGSIZE, send_lo(variant, s, port, out, 65535, 0));
	ASSERT_EQ(max, send_lo(variant, s, port, out, max, 0))
		TH_LOG("%d bytes: %s", max, strerror(errno));
	ASSERT_EQ(max, recv_wait(r, in, max + 2, NULL));
	ASSERT_EQ(0, memcmp(in, out, max));
	/* connected: the same limit */
	a = lo_addr(variant, port);
	ASSERT_EQ(0, connect(s, &a.sa, kd_addr_len(variant->family)));
	ASSERT_ERRNO(EMSGSIZE, send(s, out, max + 1, 0));
	ASSERT_EMPTY(r);
	close(s);
	close(r);
	free(out);
	free(in);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

TEST_F(dg, other_family_address_eafnosupport)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	struct sockaddr *other;
	socklen_t olen;
	int s = bound(_metadata, variant, 0);

	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	if (variant->family == AF_INET) {
		other = (struct sockaddr *)&in6;
		olen = sizeof(in6);
	} else {
		other = (struct sockaddr *)&in4;
		olen = sizeof(in4);
	}
	ASSERT_ERRNO(EAFNOSUPPORT, sendto(s, "x", 1, 0, other, olen));
	ASSERT_ERRNO(EAFNOSUPPORT, connect(s, other, olen));
	close(s);
	EXPECT_MIB(variant->family, 0);
}

TEST_F(dg, msg_oob_eopnotsupp)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	union kd_addr a = lo_addr(variant, port_of(r));

	ASSERT_ERRNO(EOPNOTSUPP, send_lo(variant, s, port_of(r), "x", 1, MSG_OOB));
	ASSERT_EQ(0, connect(s, &a.sa, kd_addr_len(variant->family)));
	ASSERT_ERRNO(EOPNOTSUPP, send(s, "x", 1, MSG_OOB));
	ASSERT_EMPTY(r);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, 0);
}

/* ------------------------------------------------------------------------ */
/* recv.                                                                     */

TEST_F(dg, empty_queue_dontwait_eagain)
{
	int r = bound(_metadata, variant, 0), nb = dsock(variant);
	union kd_addr any = lo_addr(variant, 0);
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[16];
	uint64_t t0;

	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	ASSERT_ERRNO(EAGAIN, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_ERRNO(EAGAIN, recvfrom(r, buf, sizeof(buf), MSG_DONTWAIT, NULL, NULL));
	ASSERT_ERRNO(EAGAIN, recvmsg(r, &msg, MSG_DONTWAIT));
	/* O_NONBLOCK */
	ASSERT_EQ(0, fcntl(nb, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, bind(nb, &any.sa, kd_addr_len(variant->family)));
	ASSERT_ERRNO(EAGAIN, recv(nb, buf, sizeof(buf), 0));
	/* SO_RCVTIMEO: a blocking recv times out with EAGAIN */
	{
		struct timeval tv = { .tv_usec = 200000 };

		ASSERT_EQ(0, setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
		t0 = kd_now_us();
		ASSERT_ERRNO(EAGAIN, recv(r, buf, sizeof(buf), 0));
		ASSERT_LE(150000, kd_now_us() - t0);
	}
	close(nb);
	close(r);
	EXPECT_MIB(variant->family, 0);
}

TEST_F(dg, msg_peek_then_read_the_same_datagram)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	uint8_t d1[300], d2[100], buf[400], small[10];
	union kd_addr from;
	socklen_t flen = sizeof(from);

	kd_fill(d1, sizeof(d1), 1, 1);
	kd_fill(d2, sizeof(d2), 2, 2);
	ASSERT_EQ(300, send_lo(variant, s, port_of(r), d1, 300, 0));
	ASSERT_EQ(100, send_lo(variant, s, port_of(r), d2, 100, 0));
	ASSERT_EQ(1, kd_wait_readable(r, 3000));
	/* wait for both */
	ASSERT_EQ(2, wait_counter(variant->family, KD_IN, 2));

	ASSERT_EQ(300, recv(r, buf, sizeof(buf), MSG_PEEK));
	ASSERT_EQ(0, memcmp(buf, d1, 300));
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(300, recvfrom(r, buf, sizeof(buf), MSG_PEEK, &from.sa, &flen));
	ASSERT_EQ(0, memcmp(buf, d1, 300));
	ASSERT_EQ(port_of(s), kd_addr_port(&from));
	/* a short peek with MSG_TRUNC: the real length, nothing consumed */
	ASSERT_EQ(300, recv(r, small, sizeof(small), MSG_PEEK | MSG_TRUNC));
	ASSERT_EQ(0, memcmp(small, d1, sizeof(small)));
	/* now read it */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(300, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp(buf, d1, 300));
	ASSERT_EQ(100, recv(r, buf, sizeof(buf), MSG_PEEK));
	ASSERT_EQ(0, memcmp(buf, d2, 100));
	ASSERT_EQ(100, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(0, memcmp(buf, d2, 100));
	ASSERT_EMPTY(r);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 2, .out = 2);
}

/* recvmsg into @len bytes with @flags: returns the length, sets *mflags. */
static ssize_t recvmsg_len(int fd, void *buf, size_t len, int flags, int *mflags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (kd_wait_readable(fd, 3000) != 1)
		return -ETIMEDOUT;
	n = recvmsg(fd, &msg, flags | MSG_DONTWAIT);
	*mflags = msg.msg_flags;
	return n < 0 ? -errno : n;
}

TEST_F(dg, msg_trunc_real_length_and_msg_flags)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	int port = port_of(r), fl;
	uint8_t d[1000], buf[1000];

	kd_fill(d, sizeof(d), 3, 3);
	/* short buffer: 10 bytes copied, the rest discarded, MSG_TRUNC set */
	ASSERT_EQ(1000, send_lo(variant, s, port, d, 1000, 0));
	ASSERT_EQ(10, recvmsg_len(r, buf, 10, 0, &fl));
	ASSERT_TRUE(fl & MSG_TRUNC) TH_LOG("msg_flags 0x%x", fl);
	ASSERT_EQ(0, memcmp(buf, d, 10));
	ASSERT_EMPTY(r);
	/* MSG_TRUNC asked: the real length */
	ASSERT_EQ(1000, send_lo(variant, s, port, d, 1000, 0));
	ASSERT_EQ(1000, recvmsg_len(r, buf, 10, MSG_TRUNC, &fl));
	ASSERT_TRUE(fl & MSG_TRUNC) TH_LOG("msg_flags 0x%x", fl);
	ASSERT_EQ(0, memcmp(buf, d, 10));
	ASSERT_EMPTY(r);
	/* a buffer that fits: no MSG_TRUNC */
	ASSERT_EQ(1000, send_lo(variant, s, port, d, 1000, 0));
	ASSERT_EQ(1000, recvmsg_len(r, buf, 1000, 0, &fl));
	ASSERT_FALSE(fl & MSG_TRUNC) TH_LOG("msg_flags 0x%x", fl);
	ASSERT_EQ(0, memcmp(buf, d, 1000));
	/* a zero-length datagram */
	ASSERT_EQ(0, send_lo(variant, s, port, d, 0, 0));
	ASSERT_EQ(0, recvmsg_len(r, buf, 1000, 0, &fl));
	ASSERT_FALSE(fl & MSG_TRUNC) TH_LOG("msg_flags 0x%x", fl);
	ASSERT_EMPTY(r);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 4, .out = 4);
}

/* ------------------------------------------------------------------------ */
/* connect.                                                                  */

/*
 * connect filters what is received; AF_UNSPEC disconnects.  As for UDP
 * (__udp_disconnect()), a port given to bind() stays, a port the socket
 * got by itself (bind to port 0, or autobind on connect) goes with the
 * disconnect.
 */
TEST_F(dg, connect_filters_af_unspec_disconnects)
{
	int p = closed_port(_metadata, variant), r = bound(_metadata, variant, p);
	int s1 = bound(_metadata, variant, 0), s2 = bound(_metadata, variant, 0);
	int c = dsock(variant), e = bound(_metadata, variant, 0);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	union kd_addr a, peer;
	socklen_t plen = sizeof(peer);
	char buf[16];

	/* r accepts s1 only */
	a = lo_addr(variant, port_of(s1));
	ASSERT_EQ(0, connect(r, &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(0, getpeername(r, &peer.sa, &plen));
	ASSERT_TRUE(kd_addr_eq(&peer, &a));
	ASSERT_EQ(3, send_lo(variant, s2, p, "bad", 3, 0));
	ASSERT_EQ(4, send_lo(variant, s1, p, "good", 4, 0));
	ASSERT_EQ(4, recv_wait(r, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, memcmp(buf, "good", 4));
	ASSERT_EMPTY(r);
	/* s2's datagram found no socket */
	ASSERT_EQ(1, wait_counter(variant->family, KD_NOPORTS, 1));

	/* disconnect: r keeps its port and takes everyone's datagrams again */
	ASSERT_EQ(0, connect(r, &unspec, sizeof(unspec)));
	plen = sizeof(peer);
	ASSERT_ERRNO(ENOTCONN, getpeername(r, &peer.sa, &plen));
	ASSERT_EQ(p, port_of(r));
	ASSERT_EQ(3, send_lo(variant, s2, p, "any", 3, 0));
	ASSERT_EQ(3, recv_wait(r, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, memcmp(buf, "any", 3));

	/* a connected sender sends without an address, until disconnected */
	a = lo_addr(variant, p);
	ASSERT_EQ(0, connect(c, &a.sa, kd_addr_len(variant->family)));
	ASSERT_LT(0, port_of(c));
	ASSERT_EQ(2, send(c, "hi", 2, 0));
	ASSERT_EQ(2, recv_wait(r, buf, sizeof(buf), NULL));
	ASSERT_EQ(0, connect(c, &unspec, sizeof(unspec)));
	/* the port it got on connect went with it, as for UDP */
	ASSERT_EQ(0, port_of(c));
	/* (and inet_sendmsg() binds it again before this fails) */
	ASSERT_ERRNO(EDESTADDRREQ, send(c, "hi", 2, 0));
	/* so does one from bind(port 0) */
	ASSERT_EQ(0, connect(e, &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(0, connect(e, &unspec, sizeof(unspec)));
	ASSERT_EQ(0, port_of(e));
	close(e);
	close(c);
	close(s1);
	close(s2);
	close(r);
	EXPECT_MIB(variant->family, .in = 3, .noports = 1, .out = 4);
}

/* ------------------------------------------------------------------------ */
/* Receive buffer.                                                           */

TEST_F(dg, rcvbuf_full_drops_counted_everywhere)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	int one = 1, n = 64, i, queued, dropped, nproc, nsock;
	struct kd_proc_sock *ps;
	const struct kd_proc_sock *p;
	struct kd_sock *ks;
	uint8_t d[1000], buf[1000];
	uint64_t ino = kd_sock_ino(r);
	struct kd_stats st;
	const struct kd_mib *m;

	ASSERT_EQ(0, setsockopt(r, SOL_SOCKET, SO_RCVBUF, &one, sizeof(one)));
	for (i = 0; i < n; i++) {
		memset(d, i, sizeof(d));
		ASSERT_EQ(1000, send_lo(variant, s, port_of(r), d, 1000, 0));
	}
	/* every datagram counted once: queued or dropped */
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, kd_stats_get(&st));
		m = variant->family == AF_INET ? &st.mib4 : &st.mib6;
		if (m->v[KD_IN] + m->v[KD_RCVBUF] >= (uint64_t)n)
			break;
		usleep(10000);
	}
	queued = m->v[KD_IN];
	dropped = m->v[KD_RCVBUF];
	TH_LOG("%d sent: %d queued, %d dropped (SO_RCVBUF 1)", n, queued, dropped);
	ASSERT_EQ(n, queued + dropped);
	ASSERT_LE(1, queued);
	ASSERT_LE(1, dropped);

	/* the socket's drops: /proc/net/kp_dgram{,6} and sock-get */
	ASSERT_EQ(0, kd_proc_read(variant->family, &ps, &nproc));
	p = kd_proc_find(ps, nproc, ino);
	ASSERT_NE(NULL, p) TH_LOG("inode %llu not in /proc/net/kp_dgram", (unsigned long long)ino);
	ASSERT_EQ(dropped, p->drops);
	ASSERT_LT(0, p->rx_queue);
	free(ps);
	ASSERT_EQ(0, kd_sock_dump(&ks, &nsock));
	for (i = 0; i < nsock; i++)
		if (ks[i].inode == ino)
			break;
	ASSERT_GT(nsock, i) TH_LOG("inode %llu not in sock-get's dump", (unsigned long long)ino);
	ASSERT_TRUE(ks[i].has_drops);
	ASSERT_EQ(dropped, ks[i].drops);
	ASSERT_LT(0, ks[i].rx_queue);
	free(ks);

	/* the first ones were queued, in order */
	for (i = 0; i < queued; i++) {
		ASSERT_EQ(1000, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
		ASSERT_EQ(i, buf[0]);
	}
	ASSERT_EMPTY(r);
	close(s);
	close(r);
	/* As UDP: RcvbufErrors are part of InErrors. */
	EXPECT_MIB(variant->family, .in = queued, .inerr = dropped,
		   .rcvbuf = dropped, .out = n);
}

/* ------------------------------------------------------------------------ */
/* poll, epoll, select, FIONREAD, SIOCOUTQ.                                  */

TEST_F(dg, poll_epoll_select_readiness)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	struct pollfd p = { .fd = r, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct timeval tv = { 0 };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	char buf[8];
	fd_set rs;

	ASSERT_LE(0, ep);
	ev.data.fd = r;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev));
	/* empty: writable, not readable */
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLOUT, p.revents & (POLLIN | POLLOUT | POLLERR));
	ASSERT_EQ(0, epoll_wait(ep, &out, 1, 0));
	FD_ZERO(&rs);
	FD_SET(r, &rs);
	ASSERT_EQ(0, select(r + 1, &rs, NULL, NULL, &tv));

	/* a zero-length datagram makes it readable */
	ASSERT_EQ(0, send_lo(variant, s, port_of(r), buf, 0, 0));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 3000));
	ASSERT_EQ(r, out.data.fd);
	ASSERT_TRUE(out.events & EPOLLIN);
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLIN | POLLOUT, p.revents & (POLLIN | POLLOUT | POLLERR));
	FD_ZERO(&rs);
	FD_SET(r, &rs);
	tv.tv_sec = 0;
	ASSERT_EQ(1, select(r + 1, &rs, NULL, NULL, &tv));
	ASSERT_TRUE(FD_ISSET(r, &rs));

	/* read: not readable any more */
	ASSERT_EQ(0, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(1, poll(&p, 1, 0));
	ASSERT_EQ(POLLOUT, p.revents & (POLLIN | POLLOUT | POLLERR));
	ASSERT_EQ(0, epoll_wait(ep, &out, 1, 0));
	close(ep);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

TEST_F(dg, fionread_next_datagram_siocoutq_empty)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	int v = -1;
	char buf[600] = { 0 };

	ASSERT_EQ(0, ioctl(r, FIONREAD, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(123, send_lo(variant, s, port_of(r), buf, 123, 0));
	ASSERT_EQ(456, send_lo(variant, s, port_of(r), buf, 456, 0));
	ASSERT_EQ(2, wait_counter(variant->family, KD_IN, 2));
	ASSERT_EQ(0, ioctl(r, SIOCINQ, &v));
	ASSERT_EQ(123, v) TH_LOG("SIOCINQ: the size of the next datagram");
	ASSERT_EQ(123, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(0, ioctl(r, FIONREAD, &v));
	ASSERT_EQ(456, v);
	ASSERT_EQ(456, recv(r, buf, sizeof(buf), 0));
	ASSERT_EQ(0, ioctl(r, FIONREAD, &v));
	ASSERT_EQ(0, v);
	/* over lo the send buffer is released at transmission */
	ASSERT_EQ(0, ioctl(s, SIOCOUTQ, &v));
	ASSERT_EQ(0, v);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 2, .out = 2);
}

/*
 * A full send buffer: a loop-mode kp_loop device whose netem qdisc lets one
 * packet out, then holds the rest for 100 s (a "slot": unlike a delay,
 * which netem_enqueue() orphans, it keeps them charged to the socket).
 * MSG_DONTWAIT then fails with EAGAIN, counted in SndbufErrors; SIOCOUTQ
 * shows the bytes held; poll() says not writable.
 */
TEST_F(dg, send_buffer_full_eagain_sndbuf_errors)
{
	const char *peer = variant->family == AF_INET ? "10.253.0.2" : "fd00:253::2";
	int s = dsock(variant), sb = 4096, i, sent = 0, v = 0;
	struct pollfd p = { .events = POLLOUT };
	char d[1000] = { 0 }, cmd[512];
	union kd_addr a;

	ASSERT_LE(0, s);
	snprintf(cmd, sizeof(cmd),
		 "set -e; ip link add kdq0 type kploop; "
		 "ip link set kdq0 address 02:00:00:00:fd:01 up; "
		 "ip addr add %s dev kdq0; "
		 "ip neigh add %s lladdr 02:00:00:00:fd:02 dev kdq0 nud permanent; "
		 "tc qdisc add dev kdq0 root netem slot 100s 100s packets 1 limit 100000",
		 variant->family == AF_INET ? "10.253.0.1/24" : "fd00:253::1/64 nodad", peer);
	self->qdisc = true;
	ASSERT_EQ(0, sh(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)));
	ASSERT_EQ(0, kd_addr(&a, variant->family, peer, 4242));
	ASSERT_EQ(0, connect(s, &a.sa, kd_addr_len(variant->family)));
	for (i = 0; i < 1000; i++) {
		if (send(s, d, sizeof(d), MSG_DONTWAIT) < 0)
			break;
		sent++;
	}
	ASSERT_GT(1000, i) TH_LOG("1000 datagrams fit a 4 KB send buffer?");
	ASSERT_EQ(EAGAIN, errno) TH_LOG("send: %s", strerrorname_np(errno));
	ASSERT_LE(1, sent);
	TH_LOG("%d datagrams of 1000 bytes fit the send buffer", sent);
	ASSERT_ERRNO(EAGAIN, send(s, d, sizeof(d), MSG_DONTWAIT));
	ASSERT_EQ(0, ioctl(s, SIOCOUTQ, &v));
	ASSERT_LT(sent * 1000, v) TH_LOG("SIOCOUTQ %d", v);
	p.fd = s;
	ASSERT_EQ(0, poll(&p, 1, 0)) TH_LOG("revents 0x%x", p.revents);
	EXPECT_MIB(variant->family, .out = sent, .sndbuf = 2);
	close(s);
}

/* ------------------------------------------------------------------------ */
/* Ancillary data.                                                           */

struct rx_meta {
	bool pktinfo, tos, ttl, ts;
	int ifindex;
	union kd_addr dst, spec_dst;
	int tos_v, ttl_v;
	struct timeval tv;
};

static ssize_t recv_meta(int fd, void *buf, size_t len, struct rx_meta *m)
{
	char cbuf[512];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(m, 0, sizeof(*m));
	if (kd_wait_readable(fd, 3000) != 1)
		return -ETIMEDOUT;
	n = recvmsg(fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->pktinfo = true;
			m->ifindex = pi.ipi_ifindex;
			m->dst.in.sin_family = AF_INET;
			m->dst.in.sin_addr = pi.ipi_addr;
			m->spec_dst.in.sin_family = AF_INET;
			m->spec_dst.in.sin_addr = pi.ipi_spec_dst;
		} else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TOS) {
			m->tos = true;
			m->tos_v = *(uint8_t *)CMSG_DATA(c);
		} else if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) {
			m->ttl = true;
			memcpy(&m->ttl_v, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			m->pktinfo = true;
			m->ifindex = pi.ipi6_ifindex;
			m->dst.in6.sin6_family = AF_INET6;
			m->dst.in6.sin6_addr = pi.ipi6_addr;
		} else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_TCLASS) {
			m->tos = true;
			memcpy(&m->tos_v, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
			m->ttl = true;
			memcpy(&m->ttl_v, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP) {
			m->ts = true;
			memcpy(&m->tv, CMSG_DATA(c), sizeof(m->tv));
		}
	}
	return n;
}

static void setopt_int(struct __test_metadata *_metadata, int fd, int level,
		       int name, int v)
{
	ASSERT_EQ(0, setsockopt(fd, level, name, &v, sizeof(v)))
		TH_LOG("setsockopt(%d, %d, %d): %s", level, name, v, strerror(errno));
}

TEST_F(dg, cmsg_pktinfo_tos_ttl_timestamp_on_receive)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	bool v4 = variant->family == AF_INET;
	union kd_addr want = lo_addr(variant, 0);
	struct timeval t0, t1;
	struct rx_meta m;
	char buf[16];

	if (v4) {
		setopt_int(_metadata, r, SOL_IP, IP_PKTINFO, 1);
		setopt_int(_metadata, r, SOL_IP, IP_RECVTOS, 1);
		setopt_int(_metadata, r, SOL_IP, IP_RECVTTL, 1);
		setopt_int(_metadata, s, SOL_IP, IP_TOS, 0x28);
		setopt_int(_metadata, s, SOL_IP, IP_TTL, 33);
	} else {
		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVPKTINFO, 1);
		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVTCLASS, 1);
		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
		setopt_int(_metadata, s, SOL_IPV6, IPV6_TCLASS, 0x28);
		setopt_int(_metadata, s, SOL_IPV6, IPV6_UNICAST_HOPS, 33);
	}
	setopt_int(_metadata, r, SOL_SOCKET, SO_TIMESTAMP, 1);
	gettimeofday(&t0, NULL);
	ASSERT_EQ(4, send_lo(variant, s, port_of(r), "meta", 4, 0));
	ASSERT_EQ(4, recv_meta(r, buf, sizeof(buf), &m));
	gettimeofday(&t1, NULL);
	ASSERT_TRUE(m.pktinfo);
	ASSERT_EQ(if_nametoindex("lo"), m.ifindex);
	ASSERT_EQ(0, memcmp(kd_addr_bytes(&m.dst), kd_addr_bytes(&want),
			    v4 ? 4 : 16));
	if (v4)
		ASSERT_EQ(0, memcmp(&m.spec_dst.in.sin_addr, &want.in.sin_addr, 4));
	ASSERT_TRUE(m.tos);
	ASSERT_EQ(0x28, m.tos_v);
	ASSERT_TRUE(m.ttl);
	ASSERT_EQ(33, m.ttl_v);
	ASSERT_TRUE(m.ts);
	ASSERT_FALSE(timercmp(&m.tv, &t0, <));
	ASSERT_FALSE(timercmp(&m.tv, &t1, >));
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

/*
 * Send-side cmsgs: IPv6 takes IPV6_HOPLIMIT / IPV6_TCLASS / IPV6_PKTINFO;
 * IPv4 ignores IP_TTL / IP_TOS cmsgs (documented: ip_cmsg_send() is not
 * exported), the socket's values go out.
 */
TEST_F(dg, cmsg_on_send)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	union kd_addr dst = lo_addr(variant, port_of(r));
	bool v4 = variant->family == AF_INET;
	char cbuf[256] = { 0 }, buf[16];
	struct iovec iov = { .iov_base = "cmsg", .iov_len = 4 };
	struct msghdr msg = {
		.msg_name = &dst, .msg_namelen = kd_addr_len(variant->family),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf,
	};
	struct cmsghdr *c;
	struct rx_meta m;
	int hops = 44, tclass = 0x48;

	if (v4) {
		setopt_int(_metadata, r, SOL_IP, IP_RECVTOS, 1);
		setopt_int(_metadata, r, SOL_IP, IP_RECVTTL, 1);
		setopt_int(_metadata, s, SOL_IP, IP_TTL, 21);
		msg.msg_controllen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(1);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_TTL;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &hops, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_TOS;
		c->cmsg_len = CMSG_LEN(1);
		*CMSG_DATA(c) = tclass;
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = in6addr_loopback };

		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVTCLASS, 1);
		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
		setopt_int(_metadata, r, SOL_IPV6, IPV6_RECVPKTINFO, 1);
		setopt_int(_metadata, s, SOL_IPV6, IPV6_UNICAST_HOPS, 33);
		msg.msg_controllen = 2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_IPV6;
		c->cmsg_type = IPV6_HOPLIMIT;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &hops, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_IPV6;
		c->cmsg_type = IPV6_TCLASS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &tclass, sizeof(int));
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	ASSERT_EQ(4, sendmsg(s, &msg, 0)) TH_LOG("sendmsg: %s", strerror(errno));
	ASSERT_EQ(4, recv_meta(r, buf, sizeof(buf), &m));
	ASSERT_TRUE(m.ttl);
	ASSERT_TRUE(m.tos);
	if (v4) {
		EXPECT_EQ(21, m.ttl_v) TH_LOG("IP_TTL cmsg must be ignored");
		EXPECT_EQ(0, m.tos_v) TH_LOG("IP_TOS cmsg must be ignored");
	} else {
		/* ip6_xmit() takes the hop limit from the socket only. */
		EXPECT_EQ(33, m.ttl_v) TH_LOG("IPV6_HOPLIMIT cmsg must be ignored");
		EXPECT_EQ(0x48, m.tos_v) TH_LOG("IPV6_TCLASS cmsg on send");
	}
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

/* ------------------------------------------------------------------------ */
/* The socket table: sock-get and /proc/net/kp_dgram{,6}.                   */

TEST_F(dg, socket_table_genl_and_proc)
{
	int r = bound(_metadata, variant, 0), c = bound(_metadata, variant, 0);
	int d = dsock(variant), i, n, np, found = 0, alen = variant->family == AF_INET ? 4 : 16;
	union kd_addr lo = lo_addr(variant, 0), a;
	struct kd_proc_sock *ps;
	const struct kd_proc_sock *p;
	struct kd_sock *ks;
	char buf[8];

	a = lo_addr(variant, port_of(r));
	ASSERT_EQ(0, connect(c, &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(0, setsockopt(d, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	a = lo_addr(variant, 0);
	ASSERT_EQ(0, bind(d, &a.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(5, send(c, "queue", 5, 0));
	ASSERT_EQ(1, wait_counter(variant->family, KD_IN, 1));

	ASSERT_EQ(0, kd_sock_dump(&ks, &n));
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		struct kd_sock *k = &ks[i];

		ASSERT_EQ(variant->family, k->family);
		ASSERT_EQ(alen, k->laddr_len);
		ASSERT_EQ(0, k->uid);
		if (k->inode == kd_sock_ino(r)) {
			found |= 1;
			ASSERT_EQ(port_of(r), k->lport);
			ASSERT_EQ(0, memcmp(k->laddr, kd_addr_bytes(&lo), alen));
			ASSERT_EQ(0, k->raddr_len);
			ASSERT_EQ(-1, k->rport);
			ASSERT_FALSE(k->has_ifindex);
			ASSERT_LT(0, k->rx_queue);
		} else if (k->inode == kd_sock_ino(c)) {
			found |= 2;
			ASSERT_EQ(port_of(c), k->lport);
			ASSERT_EQ(alen, k->raddr_len);
			ASSERT_EQ(0, memcmp(k->raddr, kd_addr_bytes(&lo), alen));
			ASSERT_EQ(port_of(r), k->rport);
			ASSERT_EQ(0, k->rx_queue);
		} else if (k->inode == kd_sock_ino(d)) {
			found |= 4;
			ASSERT_TRUE(k->has_ifindex);
			ASSERT_EQ(if_nametoindex("lo"), k->ifindex);
		}
	}
	ASSERT_EQ(7, found);
	free(ks);

	ASSERT_EQ(0, kd_proc_read(variant->family, &ps, &np));
	ASSERT_EQ(3, np);
	p = kd_proc_find(ps, np, kd_sock_ino(r));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(port_of(r), p->lport);
	ASSERT_EQ(0, memcmp(p->laddr, kd_addr_bytes(&lo), alen));
	ASSERT_EQ(0, p->rport);
	ASSERT_LT(0, p->rx_queue);
	ASSERT_EQ(0, p->drops);
	p = kd_proc_find(ps, np, kd_sock_ino(c));
	ASSERT_NE(NULL, p);
	ASSERT_EQ(port_of(r), p->rport);
	ASSERT_EQ(0, memcmp(p->raddr, kd_addr_bytes(&lo), alen));
	ASSERT_NE(NULL, kd_proc_find(ps, np, kd_sock_ino(d)));
	free(ps);
	/* the other family's table is empty */
	ASSERT_EQ(0, kd_proc_read(variant->family == AF_INET ? AF_INET6 : AF_INET,
				  &ps, &np));
	ASSERT_EQ(0, np);
	free(ps);
	ASSERT_EQ(5, recv(r, buf, sizeof(buf), 0));
	close(d);
	/* closed sockets leave the table */
	close(c);
	ASSERT_EQ(0, kd_sock_dump(&ks, &n));
	ASSERT_EQ(1, n);
	ASSERT_EQ(kd_sock_ino(r), ks[0].inode);
	free(ks);
	close(r);
	ASSERT_EQ(0, kd_proc_read(variant->family, &ps, &np));
	ASSERT_EQ(0, np);
	free(ps);
	EXPECT_MIB(variant->family, .in = 1, .out = 1);
}

/* ------------------------------------------------------------------------ */
/* ICMP.                                                                     */

/* A socket receiving this netns's ICMP (v4) / ICMPv6 destination unreachables. */
static int icmp_sock(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v)
{
	int fd = kd_icmp_sock(v->family);

	ASSERT_LE(0, fd) TH_LOG("raw ICMP socket: %s", strerror(-fd));
	return fd;
}

static int icmp_next(const struct _fixture_variant_dg *v, int fd, int ms, struct kd_unreach *u)
{
	return kd_icmp_next(v->family, fd, ms, u);
}

/* /proc/net/snmp (Icmp: OutDestUnreachs) or /proc/net/snmp6 (Icmp6OutDestUnreachs). */
static long icmp_out_unreach(const struct _fixture_variant_dg *v)
{
	char line[4096], hdr[4096] = "";
	FILE *f;
	long val = -1;

	if (v->family == AF_INET6) {
		f = fopen("/proc/net/snmp6", "re");
		if (!f)
			return -1;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Icmp6OutDestUnreachs %ld", &val) == 1)
				break;
		fclose(f);
		return val;
	}
	f = fopen("/proc/net/snmp", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *h, *d, *sh = NULL, *sd = NULL;

		if (strncmp(line, "Icmp: ", 6))
			continue;
		if (!hdr[0]) {
			snprintf(hdr, sizeof(hdr), "%s", line);
			continue;
		}
		h = strtok_r(hdr, "\n ", &sh);
		d = strtok_r(line, "\n ", &sd);
		while (h && d) {
			if (!strcmp(h, "OutDestUnreachs")) {
				val = atol(d);
				break;
			}
			h = strtok_r(NULL, "\n ", &sh);
			d = strtok_r(NULL, "\n ", &sd);
		}
		break;
	}
	fclose(f);
	return val;
}

static void expect_port_unreach(struct __test_metadata *_metadata,
				const struct _fixture_variant_dg *v,
				const struct kd_unreach *u, int sport, int dport)
{
	TH_LOG("ICMP type %d code %d, quoting protocol %d, ports %d -> %d",
	       u->type, u->code, u->proto, u->sport, u->dport);
	ASSERT_TRUE(kd_unreach_is_port(v->family, u));
	ASSERT_EQ(g_proto, u->proto);
	ASSERT_EQ(sport, u->sport);
	ASSERT_EQ(dport, u->dport);
}

/* A port nothing is bound to (bound, noted, closed). */
static int closed_port(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v)
{
	int fd = bound(_metadata, v, 0), p = port_of(fd);

	close(fd);
	return p;
}

TEST_F(dg, no_socket_icmp_port_unreachable_and_no_ports)
{
	int ic = icmp_sock(_metadata, variant), s = bound(_metadata, variant, 0);
	int p1 = closed_port(_metadata, variant), p2 = p1 == 65535 ? 1 : p1 + 1;
	struct kd_unreach u;
	char buf[8];

	ASSERT_EQ(4, send_lo(variant, s, p1, "nobo", 4, 0));
	ASSERT_EQ(0, icmp_next(variant, ic, 3000, &u));
	expect_port_unreach(_metadata, variant, &u, port_of(s), p1);
	ASSERT_EQ(4, send_lo(variant, s, p2, "nobo", 4, 0));
	ASSERT_EQ(0, icmp_next(variant, ic, 3000, &u));
	expect_port_unreach(_metadata, variant, &u, port_of(s), p2);
	/* one per datagram: nothing more */
	ASSERT_EQ(-ETIMEDOUT, icmp_next(variant, ic, 200, &u));
	ASSERT_EQ(2, icmp_out_unreach(variant));
	/* an unconnected sender is not told */
	ASSERT_ERRNO(EAGAIN, recv(s, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(4, send_lo(variant, s, p1, "more", 4, 0));
	ASSERT_EQ(0, icmp_next(variant, ic, 3000, &u));
	close(s);
	close(ic);
	EXPECT_MIB(variant->family, .noports = 3, .out = 3);
}

TEST_F(dg, port_unreach_off_no_icmp_still_counted)
{
	int ic = icmp_sock(_metadata, variant), s = bound(_metadata, variant, 0);
	int p1 = closed_port(_metadata, variant), p2 = p1 == 65535 ? 1 : p1 + 1;
	struct kd_stats st;
	struct kd_unreach u;

	ASSERT_EQ(0, kd_set_port_unreach(false));
	ASSERT_EQ(0, kd_stats_get(&st));
	ASSERT_EQ(0, st.port_unreach);
	ASSERT_EQ(4, send_lo(variant, s, p1, "off!", 4, 0));
	ASSERT_EQ(1, wait_counter(variant->family, KD_NOPORTS, 1));
	/* on again: the next one is answered, and is the only ICMP seen */
	ASSERT_EQ(0, kd_set_port_unreach(true));
	ASSERT_EQ(0, kd_stats_get(&st));
	ASSERT_EQ(1, st.port_unreach);
	ASSERT_EQ(4, send_lo(variant, s, p2, "on!!", 4, 0));
	ASSERT_EQ(0, icmp_next(variant, ic, 3000, &u));
	expect_port_unreach(_metadata, variant, &u, port_of(s), p2);
	ASSERT_EQ(-ETIMEDOUT, icmp_next(variant, ic, 200, &u));
	ASSERT_EQ(1, icmp_out_unreach(variant));
	close(s);
	close(ic);
	EXPECT_MIB(variant->family, .noports = 2, .out = 2);
}

/* Wait for the ICMP about a datagram, then for it to reach the socket. */
static void wait_refused(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v,
			 int ic, int fd)
{
	struct pollfd p = { .fd = fd };
	struct kd_unreach u;

	ASSERT_EQ(0, icmp_next(v, ic, 3000, &u));
	/* the raw copy comes before the protocol's error handler: POLLERR
	 * (or, if the module does not report it, 1 s) for the socket's turn
	 */
	poll(&p, 1, 1000);
}

TEST_F(dg, connected_closed_port_econnrefused_once)
{
	int ic = icmp_sock(_metadata, variant), c = bound(_metadata, variant, 0);
	union kd_addr a = lo_addr(variant, closed_port(_metadata, variant));
	int err;
	socklen_t len = sizeof(err);
	char buf[8];

	ASSERT_EQ(0, connect(c, &a.sa, kd_addr_len(variant->family)));
	/* reported by the next send ... */
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	wait_refused(_metadata, variant, ic, c);
	ASSERT_ERRNO(ECONNREFUSED, send(c, "ping", 4, 0));
	/* ... once */
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	/* ... or by the next recv, once */
	wait_refused(_metadata, variant, ic, c);
	ASSERT_ERRNO(ECONNREFUSED, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_ERRNO(EAGAIN, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(0, err);
	/* SO_ERROR reads (and clears) it too */
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	wait_refused(_metadata, variant, ic, c);
	ASSERT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	ASSERT_EQ(ECONNREFUSED, err);
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	close(c);
	close(ic);
	EXPECT_MIB(variant->family, .noports = 4, .out = 4);
}

/* ------------------------------------------------------------------------ */
/* Malformed packets, crafted on a raw socket of our protocol.              */

/* A raw socket of our protocol bound to the loopback address. */
static int raw_sock(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v)
{
	union kd_addr a = lo_addr(v, 0);
	int fd = socket(v->family, SOCK_RAW | SOCK_CLOEXEC, g_proto);

	ASSERT_LE(0, fd) TH_LOG("raw socket: %s", strerror(errno));
	ASSERT_EQ(0, bind(fd, &a.sa, kd_addr_len(v->family)));
	return fd;
}

enum { CSUM_OK, CSUM_BAD, CSUM_ZERO };

/*
 * Header + @plen bytes of @payload into @pkt.  @len_field: the length
 * field (-1: the right one).  The checksum covers what is sent, with the
 * IP payload length in the pseudo-header (what a receiver ignoring the
 * length field would check); CSUM_BAD flips one bit of it.
 */
static size_t craft(const struct _fixture_variant_dg *v, uint8_t *pkt, int sport, int dport,
		    const void *payload, size_t plen, int len_field, int csum)
{
	union kd_addr lo = lo_addr(v, 0);
	struct kp_dgram_hdr h = {
		.source = htons(sport),
		.dest = htons(dport),
		.len = htons(len_field < 0 ? (int)(KD_HDR_LEN + plen) : len_field),
	};
	size_t len = KD_HDR_LEN + plen;
	uint16_t c;

	memcpy(pkt, &h, sizeof(h));
	memcpy(pkt + KD_HDR_LEN, payload, plen);
	c = kd_csum(v->family, kd_addr_bytes(&lo), kd_addr_bytes(&lo), g_proto,
		    pkt, len);
	if (!c)
		c = 0xffff;
	if (csum == CSUM_BAD)
		c ^= htons(0x0100);
	if (csum == CSUM_ZERO)
		c = 0;
	memcpy(pkt + 6, &c, 2);
	return len;
}

static void raw_send(struct __test_metadata *_metadata, const struct _fixture_variant_dg *v, int fd,
		     const void *pkt, size_t len)
{
	union kd_addr a = lo_addr(v, 0);

	ASSERT_EQ((ssize_t)len, sendto(fd, pkt, len, 0, &a.sa, kd_addr_len(v->family)))
		TH_LOG("raw sendto %zu bytes: %s", len, strerror(errno));
}

/*
 * After malformed packets: the counters reach their values, nothing was
 * queued; then a valid crafted datagram from port 4242 does arrive (the
 * packets above were refused for what was wrong with them, not for how
 * they were sent).
 */
static void expect_refused_then_control(struct __test_metadata *_metadata,
					const struct _fixture_variant_dg *v, int raw, int r,
					uint64_t inerr, uint64_t csum)
{
	uint8_t pkt[64], buf[64];
	union kd_addr from;
	size_t len;

	ASSERT_EQ(inerr, wait_counter(v->family, KD_INERR, inerr));
	ASSERT_EMPTY(r);
	len = craft(v, pkt, 4242, port_of(r), "control", 7, -1, CSUM_OK);
	raw_send(_metadata, v, raw, pkt, len);
	ASSERT_EQ(7, recv_wait(r, buf, sizeof(buf), &from));
	ASSERT_EQ(0, memcmp(buf, "control", 7));
	ASSERT_EQ(4242, kd_addr_port(&from));
	ASSERT_EMPTY(r);
	EXPECT_MIB(v->family, .in = 1, .inerr = inerr, .csum = csum);
}

TEST_F(dg, crafted_valid_datagrams_are_delivered)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	union kd_addr lo = lo_addr(variant, 0), from;
	uint8_t pkt[64], buf[64];
	uint16_t c, w;
	size_t len;

	len = craft(variant, pkt, 1111, port_of(r), "hello", 5, -1, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	ASSERT_EQ(5, recv_wait(r, buf, sizeof(buf), &from));
	ASSERT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(1111, kd_addr_port(&from));

	/* a payload whose checksum computes to 0: sent as 0xffff, accepted */
	len = craft(variant, pkt, 2222, port_of(r), "\0\0", 2, -1, CSUM_OK);
	memset(pkt + 6, 0, 2);
	c = ntohs(kd_csum(variant->family, kd_addr_bytes(&lo), kd_addr_bytes(&lo),
			  g_proto, pkt, len));
	/* the sum without the word is ~c; adding 0xffff - ~c makes it 0xffff */
	w = 0xffff - (uint16_t)~c;
	pkt[8] = w >> 8;
	pkt[9] = w;
	ASSERT_EQ(0, kd_csum(variant->family, kd_addr_bytes(&lo), kd_addr_bytes(&lo),
			     g_proto, pkt, len));
	pkt[6] = 0xff;
	pkt[7] = 0xff;
	raw_send(_metadata, variant, raw, pkt, len);
	ASSERT_EQ(2, recv_wait(r, buf, sizeof(buf), &from));
	ASSERT_EQ(2222, kd_addr_port(&from));
	ASSERT_EQ(w >> 8, buf[0]);
	close(r);
	close(raw);
	EXPECT_MIB(variant->family, .in = 2);
}

TEST_F(dg, malformed_truncated_header_in_errors)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	uint8_t pkt[16];
	size_t lens[] = { 0, 1, 4, 7 }, i;

	craft(variant, pkt, 1111, port_of(r), "", 0, -1, CSUM_OK);
	for (i = 0; i < ARRAY_SIZE(lens); i++)
		raw_send(_metadata, variant, raw, pkt, lens[i]);
	expect_refused_then_control(_metadata, variant, raw, r, 4, 0);
	close(r);
	close(raw);
}

TEST_F(dg, malformed_length_larger_than_packet_in_errors)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	uint8_t pkt[64];
	size_t len;

	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 19, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 1000, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 65535, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	expect_refused_then_control(_metadata, variant, raw, r, 3, 0);
	close(r);
	close(raw);
}

TEST_F(dg, malformed_length_smaller_than_packet_in_errors)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	uint8_t pkt[64];
	size_t len;

	/* UDP would trim to the length field; kp_dgram refuses */
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 17, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 8, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	/* below the header's own size */
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 7, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	len = craft(variant, pkt, 1111, port_of(r), "0123456789", 10, 0, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	expect_refused_then_control(_metadata, variant, raw, r, 4, 0);
	close(r);
	close(raw);
}

TEST_F(dg, malformed_bad_checksum_in_csum_errors)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	uint8_t pkt[128], payload[100];
	size_t len;

	kd_fill(payload, sizeof(payload), 5, 5);
	len = craft(variant, pkt, 1111, port_of(r), payload, 100, -1, CSUM_BAD);
	raw_send(_metadata, variant, raw, pkt, len);
	/* a good checksum over a payload with one bit flipped */
	len = craft(variant, pkt, 1111, port_of(r), payload, 100, -1, CSUM_OK);
	pkt[KD_HDR_LEN + 50] ^= 0x10;
	raw_send(_metadata, variant, raw, pkt, len);
	/* an odd length */
	len = craft(variant, pkt, 1111, port_of(r), payload, 99, -1, CSUM_BAD);
	raw_send(_metadata, variant, raw, pkt, len);
	expect_refused_then_control(_metadata, variant, raw, r, 3, 3);
	close(r);
	close(raw);
}

TEST_F(dg, malformed_zero_checksum_in_csum_errors)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	uint8_t pkt[64];
	size_t len;

	/* the checksum is mandatory: 0 is not "none" as in UDP over IPv4 */
	len = craft(variant, pkt, 1111, port_of(r), "zero", 4, -1, CSUM_ZERO);
	raw_send(_metadata, variant, raw, pkt, len);
	expect_refused_then_control(_metadata, variant, raw, r, 1, 1);
	close(r);
	close(raw);
}

TEST_F(dg, malformed_port_0_in_errors_no_icmp)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	int ic = icmp_sock(_metadata, variant);
	struct kd_unreach u;
	uint8_t pkt[64];
	size_t len;

	/* source port 0, to a bound socket */
	len = craft(variant, pkt, 0, port_of(r), "sport0", 6, -1, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	/* destination port 0: malformed, not "no socket" (no ICMP) */
	len = craft(variant, pkt, 1111, 0, "dport0", 6, -1, CSUM_OK);
	raw_send(_metadata, variant, raw, pkt, len);
	expect_refused_then_control(_metadata, variant, raw, r, 2, 0);
	ASSERT_EQ(-ETIMEDOUT, icmp_next(variant, ic, 200, &u));
	ASSERT_EQ(0, icmp_out_unreach(variant));
	close(ic);
	close(r);
	close(raw);
}

/*
 * What the module puts on the wire, captured by a raw socket of our
 * protocol: the header (ports, length) and a checksum over the
 * pseudo-header with our protocol number.  Over lo the checksum may be
 * left to the device (CHECKSUM_PARTIAL: the field then holds the
 * pseudo-header's sum); otherwise it is complete, and a computed 0 goes
 * out as 0xffff.
 */
TEST_F(dg, wire_header_and_checksum)
{
	int raw = raw_sock(_metadata, variant), r = bound(_metadata, variant, 0);
	int s = bound(_metadata, variant, 0), i, hl;
	union kd_addr lo = lo_addr(variant, 0);
	uint8_t b[256], pay[2] = { 0, 0 };
	const uint8_t *h;
	uint16_t c, w, pseudo;
	bool full = false;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		if (i == 1) {
			/* a payload word that makes the full checksum 0 */
			uint8_t tmp[KD_HDR_LEN + 2];
			struct kp_dgram_hdr hh = {
				.source = htons(port_of(s)), .dest = htons(port_of(r)),
				.len = htons(KD_HDR_LEN + 2),
			};

			memcpy(tmp, &hh, KD_HDR_LEN);
			memset(tmp + KD_HDR_LEN, 0, 2);
			c = ntohs(kd_csum(variant->family, kd_addr_bytes(&lo),
					  kd_addr_bytes(&lo), g_proto, tmp, sizeof(tmp)));
			w = 0xffff - (uint16_t)~c;
			pay[0] = w >> 8;
			pay[1] = w;
		}
		ASSERT_EQ(2, send_lo(variant, s, port_of(r), pay, 2, 0));
		ASSERT_EQ(1, kd_wait_readable(raw, 3000));
		n = recv(raw, b, sizeof(b), MSG_DONTWAIT);
		hl = variant->family == AF_INET ? (b[0] & 0xf) * 4 : 0;
		ASSERT_EQ(hl + KD_HDR_LEN + 2, n);
		h = b + hl;
		ASSERT_EQ(port_of(s), h[0] << 8 | h[1]);
		ASSERT_EQ(port_of(r), h[2] << 8 | h[3]);
		ASSERT_EQ(KD_HDR_LEN + 2, h[4] << 8 | h[5]);
		ASSERT_EQ(0, memcmp(h + 8, pay, 2));
		pseudo = kd_pseudo_sum(variant->family, kd_addr_bytes(&lo),
				       kd_addr_bytes(&lo), g_proto, KD_HDR_LEN + 2);
		c = h[6] << 8 | h[7];
		if (kd_csum(variant->family, kd_addr_bytes(&lo), kd_addr_bytes(&lo),
			    g_proto, h, KD_HDR_LEN + 2) == 0 && c != pseudo) {
			full = true;
			TH_LOG("datagram %d: complete checksum 0x%04x", i, c);
			if (i == 1)
				ASSERT_EQ(0xffff, c) TH_LOG("a computed 0 goes out as 0xffff");
		} else {
			TH_LOG("datagram %d: checksum field 0x%04x, pseudo-header sum 0x%04x",
			       i, c, pseudo);
			/* CHECKSUM_PARTIAL: left to the device */
			ASSERT_EQ(pseudo, c)
				TH_LOG("no valid checksum, no pseudo-header sum (proto %d)",
				       g_proto);
		}
		ASSERT_EQ(2, recv_wait(r, b, sizeof(b), NULL));
	}
	TH_LOG("checksums on lo: %s", full ? "complete" : "left to the device");
	close(s);
	close(r);
	close(raw);
	EXPECT_MIB(variant->family, .in = 2, .out = 2);
}

/* ------------------------------------------------------------------------ */
/* Integrity over lo.                                                        */

TEST_F_TIMEOUT(dg, every_size_intact_over_lo, 180)
{
	int r = bound(_metadata, variant, 0), s = bound(_metadata, variant, 0);
	int rcvbuf = 4 << 20, *sizes, n, err;
	union kd_addr dst = lo_addr(variant, port_of(r));
	union kd_addr src = lo_addr(variant, port_of(s));
	struct kd_xfer x = {
		.tx = s, .rx = r, .dst = &dst, .src = &src,
		.seed = kd_random_seed(), .timeout_ms = 5000,
	};
	uint64_t t0;

	ASSERT_EQ(0, setsockopt(r, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)));
	err = kd_sizes(variant->max_payload, 65536, variant->iphdr, &sizes, &n);
	ASSERT_EQ(0, err);
	x.sizes = sizes;
	x.nsizes = n;
	t0 = kd_now_us();
	err = kd_xfer_run(&x);
	TH_LOG("seed 0x%016llx: %d sizes (0..%d), %d sent, %d received intact, %llu bytes, %llu ms",
	       (unsigned long long)x.seed, n, sizes[n - 1], x.sent, x.received,
	       (unsigned long long)x.bytes,
	       (unsigned long long)(kd_now_us() - t0) / 1000);
	ASSERT_EQ(0, err) TH_LOG("%s", x.err);
	ASSERT_EQ(variant->max_payload, sizes[n - 1]);
	free(sizes);
	close(s);
	close(r);
	EXPECT_MIB(variant->family, .in = n, .out = n);
}

/* ------------------------------------------------------------------------ */
/* IPv6 only.                                                                */

TEST(ipv6_v6only_is_on_and_cannot_be_cleared)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, g_proto), v = -1;
	socklen_t len = sizeof(v);

	kd_kmsg("kpdgram_api: %s", _metadata->name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &v, &len));
	ASSERT_EQ(1, v);
	v = 0;
	ASSERT_ERRNO(EINVAL, setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &v, sizeof(v)));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &v, &len));
	ASSERT_EQ(1, v);
	close(fd);
}

/* ------------------------------------------------------------------------ */
/* Permissions (in the namespace the program started in: the initial one). */

/*
 * Run @fn in a child as nobody (uid/gid 65534, no capabilities); its
 * result (@len bytes at @res) comes back through a pipe.
 */
static int run_as_nobody(void (*fn)(void *res), void *res, size_t len)
{
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		/* dumpable again after the uid change: /proc/self/uid_map */
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534) ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
			_exit(2);
		fn(res);
		_exit(write(pfd[1], res, len) == (ssize_t)len ? 0 : 3);
	}
	close(pfd[1]);
	n = read(pfd[0], res, len);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || status || n != (ssize_t)len)
		return -1;
	return 0;
}

struct nobody_result {
	int stats_err, proto, dump_err, proc_err;
	int set_err;
	char set_msg[256];
};

static void nobody_requests(void *arg)
{
	struct nobody_result *res = arg;
	struct kd_nl_answer ans = { 0 };
	struct kd_proc_sock *ps = NULL;
	struct kd_sock *ks = NULL;
	struct kd_stats st;
	int n;

	res->stats_err = kd_stats_get(&st);
	res->proto = st.proto;
	res->dump_err = kd_sock_dump(&ks, &n);
	free(ks);
	res->proc_err = kd_proc_read(AF_INET, &ps, &n);
	free(ps);
	res->set_err = kd_config_set_raw(0, &ans);
	snprintf(res->set_msg, sizeof(res->set_msg), "%s", ans.msg);
}

TEST(nobody_reads_but_config_set_eperm)
{
	struct nobody_result res = { 0 };
	struct kd_stats st;

	kd_kmsg("kpdgram_api: %s", _metadata->name);
	ASSERT_EQ(0, run_as_nobody(nobody_requests, &res, sizeof(res)));
	TH_LOG("as nobody: stats-get %d, sock-get %d, /proc/net/kp_dgram %d, config-set %d '%s'",
	       res.stats_err, res.dump_err, res.proc_err, res.set_err, res.set_msg);
	ASSERT_EQ(0, res.stats_err);
	ASSERT_EQ(g_proto, res.proto);
	ASSERT_EQ(0, res.dump_err);
	ASSERT_EQ(0, res.proc_err);
	ASSERT_EQ(-EPERM, res.set_err);
	/* and nothing changed */
	ASSERT_EQ(0, kd_stats_get(&st));
	ASSERT_EQ(1, st.port_unreach);
}

struct container_result {
	int stage, set_err, get_err, port_unreach;
	int sock_ok;
};

/* Root of a container: a user ns (uid 0 there = nobody here) and its netns. */
static void container_requests(void *arg)
{
	struct container_result *res = arg;
	struct kd_stats st;
	int fd;

	res->stage = 1;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return;
	res->stage = 2;
	fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0 65534 1", 9) != 9)
		return;
	close(fd);
	res->stage = 3;
	res->set_err = kd_set_port_unreach(false);
	res->get_err = kd_stats_get(&st);
	res->port_unreach = st.port_unreach;
	fd = socket(AF_INET, SOCK_DGRAM, g_proto);
	res->sock_ok = fd >= 0;
	if (fd >= 0)
		close(fd);
	res->stage = 4;
}

TEST(container_root_config_set_works_in_its_netns)
{
	struct container_result res = { 0 };
	struct kd_stats st;

	kd_kmsg("kpdgram_api: %s", _metadata->name);
	ASSERT_EQ(0, run_as_nobody(container_requests, &res, sizeof(res)));
	TH_LOG("container root: stage %d, config-set %d, stats-get %d, port_unreach %d",
	       res.stage, res.set_err, res.get_err, res.port_unreach);
	ASSERT_EQ(4, res.stage);
	ASSERT_EQ(0, res.set_err);
	ASSERT_EQ(0, res.get_err);
	ASSERT_EQ(0, res.port_unreach);
	ASSERT_TRUE(res.sock_ok);
	/* its own netns only */
	ASSERT_EQ(0, kd_stats_get(&st));
	ASSERT_EQ(1, st.port_unreach);
}

int main(int argc, char **argv)
{
	int p;

	/* whole-program skips: SKIP() in a 6.1 fixture setup still runs the test */
	if (geteuid())
		ksft_exit_skip("must be run as root\n");
	if (access("/sys/module/kp_dgram", F_OK))
		ksft_exit_skip("kp_dgram is not loaded\n");
	p = kd_proto();
	if (p < 0)
		ksft_exit_fail_msg("kp_dgram is loaded but stats-get on genl family %s fails: %s\n",
				   KP_DGRAM_FAMILY_NAME, strerror(-p));
	g_proto = p;
	return test_harness_run(argc, argv);
}
