// SPDX-License-Identifier: GPL-2.0
/*
 * kpdgram_pair: kp_dgram across a kp_loop pair between two network
 * namespaces (made by kpdgram_pair.sh), IPv4 and IPv6 (FIXTURE_VARIANT):
 * every size up to the largest datagram both ways, byte for byte, through
 * IP fragmentation at the pair's MTU, with the counters of both namespaces
 * exact; SO_BINDTODEVICE choosing the socket; ICMP port unreachable back
 * across the pair, ECONNREFUSED, and port-unreach off.
 *
 * The namespaces and addresses come from the environment:
 *   KD_NSA, KD_NSB      names under /run/netns
 *   KD_DEV_A, KD_DEV_B  the pair's ends
 *   KD_A4, KD_B4, KD_A6, KD_B6   their addresses
 *   KD_MTU              the pair's MTU
 * Each test saves the counters of both namespaces first and checks the
 * differences: the namespaces live across the tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kd_common.h"

static int g_proto = KP_DGRAM_PROTO_DEFAULT;

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

FIXTURE(pair) {
	int nsa, nsb, home;
	union kd_addr a, b;		/* the pair's addresses, port 0 */
	const char *dev_a, *dev_b;
	int mtu;
	struct kd_stats sa0, sb0;	/* counters at the start */
};

FIXTURE_VARIANT(pair) {
	const char *name;
	int family;
	const char *env_a, *env_b;
	const char *loopback;
	int max_payload;
	int iphdr;
};

FIXTURE_VARIANT_ADD(pair, ipv4) {
	.name = "ipv4",
	.family = AF_INET,
	.env_a = "KD_A4",
	.env_b = "KD_B4",
	.loopback = "127.0.0.1",
	.max_payload = KP_DGRAM_MAX_PAYLOAD,
	.iphdr = 20,
};

FIXTURE_VARIANT_ADD(pair, ipv6) {
	.name = "ipv6",
	.family = AF_INET6,
	.env_a = "KD_A6",
	.env_b = "KD_B6",
	.loopback = "::1",
	.max_payload = KD_MAX_PAYLOAD6,
	.iphdr = 40,
};

/* Enter netns @fd for the rest of the test (its own child process). */
static void enter(struct __test_metadata *_metadata, int fd)
{
	ASSERT_EQ(0, setns(fd, CLONE_NEWNET)) TH_LOG("setns: %s", strerror(errno));
}

static void stats_of(struct __test_metadata *_metadata, struct _test_data_pair *self, int ns,
		     struct kd_stats *st)
{
	int err;

	enter(_metadata, ns);
	err = kd_stats_get(st);
	enter(_metadata, self->home);
	ASSERT_EQ(0, err) TH_LOG("stats-get: %s", strerror(-err));
}

FIXTURE_SETUP(pair)
{
	const char *na = env("KD_NSA"), *nb = env("KD_NSB");
	const char *aa = env(variant->env_a), *ab = env(variant->env_b);

	kd_kmsg("kpdgram_pair: pair.%s.%s", variant->name, _metadata->name);
	ASSERT_TRUE(na && nb && aa && ab && env("KD_DEV_A") && env("KD_DEV_B") &&
		    env("KD_MTU"))
		TH_LOG("KD_NSA, KD_NSB, KD_DEV_A, KD_DEV_B, %s, %s, KD_MTU: see kpdgram_pair.sh",
		       variant->env_a, variant->env_b);
	self->home = kd_netns_open(NULL);
	self->nsa = kd_netns_open(na);
	self->nsb = kd_netns_open(nb);
	ASSERT_LE(0, self->home);
	ASSERT_LE(0, self->nsa) TH_LOG("netns %s: %s", na, strerror(-self->nsa));
	ASSERT_LE(0, self->nsb) TH_LOG("netns %s: %s", nb, strerror(-self->nsb));
	ASSERT_EQ(0, kd_addr(&self->a, variant->family, aa, 0));
	ASSERT_EQ(0, kd_addr(&self->b, variant->family, ab, 0));
	self->dev_a = env("KD_DEV_A");
	self->dev_b = env("KD_DEV_B");
	self->mtu = atoi(env("KD_MTU"));
	stats_of(_metadata, self, self->nsa, &self->sa0);
	stats_of(_metadata, self, self->nsb, &self->sb0);
}

FIXTURE_TEARDOWN(pair)
{
	/* port-unreach back on in B, whatever happened */
	if (self->nsb > 0 && !setns(self->nsb, CLONE_NEWNET))
		kd_set_port_unreach(true);
}

static union kd_addr with_port(const union kd_addr *a, int port)
{
	union kd_addr r = *a;

	if (r.sa.sa_family == AF_INET)
		r.in.sin_port = htons(port);
	else
		r.in6.sin6_port = htons(port);
	return r;
}

static int port_of(int fd)
{
	union kd_addr a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, &a.sa, &len))
		return -errno;
	return kd_addr_port(&a);
}

/* A kp_dgram socket in netns @ns bound to @addr (its port: 0 = ephemeral). */
static int sock_at(struct __test_metadata *_metadata, const struct _fixture_variant_pair *v, int ns,
		   const union kd_addr *addr)
{
	int fd = kd_socket_in(ns, v->family, SOCK_DGRAM | SOCK_CLOEXEC, g_proto);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(-fd));
	if (addr)
		ASSERT_EQ(0, bind(fd, &addr->sa, kd_addr_len(v->family)))
			TH_LOG("bind: %s", strerror(errno));
	return fd;
}

struct dg_delta {
	int64_t in, noports, inerr, csum, rcvbuf, out, sndbuf;
};

/*
 * The counters of @fam in netns @ns moved by exactly @d since @st0 (and
 * the other family's not at all); waits up to 3 s for them to get there.
 */
static void expect_delta(struct __test_metadata *_metadata, struct _test_data_pair *self,
			 int fam, int ns, const struct kd_stats *st0,
			 const char *what, struct dg_delta d)
{
	int64_t want[KP_DGRAM_A_STATS_MAX + 1] = { 0 };
	const struct kd_mib *m0, *m, *o0, *o;
	struct kd_stats st;
	int i, c, bad = 0;

	want[KD_IN] = d.in;
	want[KD_NOPORTS] = d.noports;
	want[KD_INERR] = d.inerr;
	want[KD_CSUMERR] = d.csum;
	want[KD_RCVBUF] = d.rcvbuf;
	want[KD_OUT] = d.out;
	want[KD_SNDBUF] = d.sndbuf;
	m0 = fam == AF_INET ? &st0->mib4 : &st0->mib6;
	o0 = fam == AF_INET ? &st0->mib6 : &st0->mib4;
	for (i = 0; i < 300; i++) {
		stats_of(_metadata, self, ns, &st);
		m = fam == AF_INET ? &st.mib4 : &st.mib6;
		o = fam == AF_INET ? &st.mib6 : &st.mib4;
		bad = 0;
		for (c = KP_DGRAM_A_STATS_IN_DATAGRAMS; c <= KP_DGRAM_A_STATS_MAX; c++)
			if (!m->has[c] || (int64_t)(m->v[c] - m0->v[c]) != want[c] ||
			    o->v[c] != o0->v[c])
				bad++;
		if (!bad)
			return;
		usleep(10000);
	}
	for (c = KP_DGRAM_A_STATS_IN_DATAGRAMS; c <= KP_DGRAM_A_STATS_MAX; c++)
		TH_LOG("%s: %s %+lld (expected %+lld); other family %+lld",
		       what, kd_counter_name(c), (long long)(m->v[c] - m0->v[c]),
		       (long long)want[c], (long long)(o->v[c] - o0->v[c]));
	ASSERT_EQ(0, bad) TH_LOG("%s: counters not as expected", what);
}

#define EXPECT_DELTA(ns, st0, what, ...) \
	expect_delta(_metadata, self, variant->family, ns, st0, what, \
		     (struct dg_delta){ __VA_ARGS__ })

/* Every size of @sizes from netns @ns_tx to @ns_rx, intact. */
static int xfer(struct __test_metadata *_metadata, const struct _fixture_variant_pair *v, int ns_tx,
		const union kd_addr *src, int ns_rx, const union kd_addr *dst0,
		const int *sizes, int n, const char *what)
{
	int tx = sock_at(_metadata, v, ns_tx, src), rx = sock_at(_metadata, v, ns_rx, dst0);
	int rcvbuf = 4 << 20, err;
	union kd_addr s = with_port(src, port_of(tx)), d = with_port(dst0, port_of(rx));
	struct kd_xfer x = {
		.tx = tx, .rx = rx, .dst = &d, .src = &s, .sizes = sizes,
		.nsizes = n, .seed = kd_random_seed(), .timeout_ms = 5000,
	};
	uint64_t t0 = kd_now_us();
	char a[80], b[80];

	ASSERT_EQ(0, setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)));
	err = kd_xfer_run(&x);
	TH_LOG("%s %s -> %s, seed 0x%016llx: %d sizes (0..%d)",
	       what, kd_addr_str(&s, a, sizeof(a)), kd_addr_str(&d, b, sizeof(b)),
	       (unsigned long long)x.seed, n, sizes[n - 1]);
	TH_LOG("  %d sent, %d received intact, %llu bytes, %llu ms", x.sent,
	       x.received, (unsigned long long)x.bytes,
	       (unsigned long long)(kd_now_us() - t0) / 1000);
	ASSERT_EQ(0, err) TH_LOG("%s", x.err);
	close(tx);
	close(rx);
	return n;
}

TEST_F_TIMEOUT(pair, every_size_intact_both_ways_counters_exact, 300)
{
	int *sizes, n, err;

	err = kd_sizes(variant->max_payload, self->mtu, variant->iphdr, &sizes, &n);
	ASSERT_EQ(0, err);
	ASSERT_EQ(variant->max_payload, sizes[n - 1]);
	xfer(_metadata, variant, self->nsa, &self->a, self->nsb, &self->b,
	     sizes, n, "A -> B");
	EXPECT_DELTA(self->nsa, &self->sa0, "A after A -> B", .out = n);
	EXPECT_DELTA(self->nsb, &self->sb0, "B after A -> B", .in = n);
	xfer(_metadata, variant, self->nsb, &self->b, self->nsa, &self->a,
	     sizes, n, "B -> A");
	EXPECT_DELTA(self->nsa, &self->sa0, "A after both", .in = n, .out = n);
	EXPECT_DELTA(self->nsb, &self->sb0, "B after both", .in = n, .out = n);
	free(sizes);
}

/* One datagram of @text from @tx to @dst. */
static void one(struct __test_metadata *_metadata, int tx,
		const union kd_addr *dst, const char *text)
{
	ASSERT_EQ((ssize_t)strlen(text),
		  sendto(tx, text, strlen(text), 0, &dst->sa,
			 kd_addr_len(dst->sa.sa_family)))
		TH_LOG("sendto: %s", strerror(errno));
}

static void got(struct __test_metadata *_metadata, int rx, const char *text)
{
	char buf[64];
	ssize_t n;

	ASSERT_EQ(1, kd_wait_readable(rx, 3000)) TH_LOG("waiting for '%s'", text);
	n = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
	ASSERT_EQ((ssize_t)strlen(text), n);
	ASSERT_EQ(0, memcmp(buf, text, n));
}

#define ASSERT_EMPTY(fd) do { \
	char __b[16]; \
	ASSERT_EQ(-1, recv((fd), __b, sizeof(__b), MSG_DONTWAIT)); \
	ASSERT_EQ(EAGAIN, errno); \
} while (0)

/*
 * Two sockets in B on one port, one bound to the pair's end, one to lo:
 * what comes over the pair goes to the first, what B sends itself over lo
 * to the second.  A socket on no device cannot join them.  With the
 * device's socket gone, a datagram over the pair finds no socket.
 */
TEST_F(pair, so_bindtodevice_selects_the_socket)
{
	union kd_addr any, to_b, to_lo;
	int on_dev, on_lo, plain, tx_a, tx_b, port, ic;
	struct kd_unreach u;

	ASSERT_EQ(0, kd_addr(&any, variant->family,
			     variant->family == AF_INET ? "0.0.0.0" : "::", 0));
	on_dev = sock_at(_metadata, variant, self->nsb, NULL);
	ASSERT_EQ(0, setsockopt(on_dev, SOL_SOCKET, SO_BINDTODEVICE, self->dev_b,
				strlen(self->dev_b) + 1));
	ASSERT_EQ(0, bind(on_dev, &any.sa, kd_addr_len(variant->family)));
	port = port_of(on_dev);
	any = with_port(&any, port);
	on_lo = sock_at(_metadata, variant, self->nsb, NULL);
	ASSERT_EQ(0, setsockopt(on_lo, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3));
	ASSERT_EQ(0, bind(on_lo, &any.sa, kd_addr_len(variant->family)))
		TH_LOG("a second device on port %d: %s", port, strerror(errno));
	plain = sock_at(_metadata, variant, self->nsb, NULL);
	ASSERT_EQ(-1, bind(plain, &any.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(EADDRINUSE, errno);
	close(plain);

	tx_a = sock_at(_metadata, variant, self->nsa, &self->a);
	tx_b = sock_at(_metadata, variant, self->nsb, NULL);
	to_b = with_port(&self->b, port);
	ASSERT_EQ(0, kd_addr(&to_lo, variant->family, variant->loopback, port));

	one(_metadata, tx_a, &to_b, "over the pair");
	got(_metadata, on_dev, "over the pair");
	one(_metadata, tx_b, &to_lo, "over lo");
	got(_metadata, on_lo, "over lo");
	ASSERT_EMPTY(on_dev);
	ASSERT_EMPTY(on_lo);
	EXPECT_DELTA(self->nsb, &self->sb0, "B", .in = 2, .out = 1);

	/* no socket on the pair's device any more */
	enter(_metadata, self->nsa);
	ic = kd_icmp_sock(variant->family);
	enter(_metadata, self->home);
	ASSERT_LE(0, ic);
	close(on_dev);
	one(_metadata, tx_a, &to_b, "nobody");
	ASSERT_EQ(0, kd_icmp_next(variant->family, ic, 3000, &u));
	ASSERT_TRUE(kd_unreach_is_port(variant->family, &u));
	ASSERT_EQ(port, u.dport);
	ASSERT_EMPTY(on_lo);
	EXPECT_DELTA(self->nsb, &self->sb0, "B", .in = 2, .noports = 1, .out = 1);
	EXPECT_DELTA(self->nsa, &self->sa0, "A", .out = 2);
	close(ic);
	close(on_lo);
	close(tx_a);
	close(tx_b);
}

/* A port of B nothing is bound to. */
static int closed_port_b(struct __test_metadata *_metadata, const struct _fixture_variant_pair *v,
			 struct _test_data_pair *self)
{
	int fd = sock_at(_metadata, v, self->nsb, &self->b), p = port_of(fd);

	close(fd);
	return p;
}

TEST_F(pair, icmp_back_across_the_pair_econnrefused_port_unreach_off)
{
	int p1 = closed_port_b(_metadata, variant, self), p2, ic, c, s;
	union kd_addr to1 = with_port(&self->b, p1), to2;
	struct pollfd pf;
	struct kd_unreach u;
	char buf[8];

	p2 = p1 == 65535 ? 1 : p1 + 1;
	to2 = with_port(&self->b, p2);
	enter(_metadata, self->nsa);
	ic = kd_icmp_sock(variant->family);
	enter(_metadata, self->home);
	ASSERT_LE(0, ic);

	/* connected: ECONNREFUSED once, on the next send, then on the next recv */
	c = sock_at(_metadata, variant, self->nsa, &self->a);
	ASSERT_EQ(0, connect(c, &to1.sa, kd_addr_len(variant->family)));
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	ASSERT_EQ(0, kd_icmp_next(variant->family, ic, 3000, &u));
	TH_LOG("ICMP type %d code %d quoting protocol %d, ports %d -> %d",
	       u.type, u.code, u.proto, u.sport, u.dport);
	ASSERT_TRUE(kd_unreach_is_port(variant->family, &u));
	ASSERT_EQ(g_proto, u.proto);
	ASSERT_EQ(port_of(c), u.sport);
	ASSERT_EQ(p1, u.dport);
	pf = (struct pollfd){ .fd = c };
	poll(&pf, 1, 1000);	/* the socket's error handler runs after the raw copy */
	ASSERT_EQ(-1, send(c, "ping", 4, 0));
	ASSERT_EQ(ECONNREFUSED, errno) TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(4, send(c, "ping", 4, 0));
	ASSERT_EQ(0, kd_icmp_next(variant->family, ic, 3000, &u));
	pf = (struct pollfd){ .fd = c };
	poll(&pf, 1, 1000);
	ASSERT_EQ(-1, recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	ASSERT_EQ(ECONNREFUSED, errno) TH_LOG("recv: %s", strerror(errno));
	ASSERT_EMPTY(c);
	close(c);
	EXPECT_DELTA(self->nsb, &self->sb0, "B", .noports = 2);

	/* port-unreach off in B: no ICMP for p1; back on: one for p2 only */
	enter(_metadata, self->nsb);
	ASSERT_EQ(0, kd_set_port_unreach(false));
	enter(_metadata, self->home);
	s = sock_at(_metadata, variant, self->nsa, &self->a);
	one(_metadata, s, &to1, "off");
	EXPECT_DELTA(self->nsb, &self->sb0, "B", .noports = 3);
	enter(_metadata, self->nsb);
	ASSERT_EQ(0, kd_set_port_unreach(true));
	enter(_metadata, self->home);
	one(_metadata, s, &to2, "on");
	ASSERT_EQ(0, kd_icmp_next(variant->family, ic, 3000, &u));
	ASSERT_EQ(p2, u.dport) TH_LOG("an ICMP for the datagram sent while off?");
	ASSERT_EQ(-ETIMEDOUT, kd_icmp_next(variant->family, ic, 300, &u));
	EXPECT_DELTA(self->nsb, &self->sb0, "B", .noports = 4);
	EXPECT_DELTA(self->nsa, &self->sa0, "A", .out = 4);
	close(s);
	close(ic);
}

int main(int argc, char **argv)
{
	int p;

	if (geteuid())
		ksft_exit_skip("must be run as root\n");
	if (access("/sys/module/kp_dgram", F_OK))
		ksft_exit_skip("kp_dgram is not loaded\n");
	p = kd_proto();
	if (p < 0)
		ksft_exit_fail_msg("stats-get on genl family %s fails: %s\n",
				   KP_DGRAM_FAMILY_NAME, strerror(-p));
	g_proto = p;
	return test_harness_run(argc, argv);
}
