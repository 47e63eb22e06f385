// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dg: a small kp_dgram tool for the shell selftests (it does not wait for
 * kpctl dgram): counters and configuration over the generic netlink family,
 * sockets and traffic.
 *
 *   kp_dg stats                  the counters of this netns, one line:
 *                                proto=N port_unreach=N in_datagrams4=N ...
 *                                sndbuf_errors6=N
 *   kp_dg set port-unreach on|off
 *   kp_dg socket [-4|-6] [-P PROTO]
 *                                socket() once: prints "ok" or the errno's
 *                                name (EPROTONOSUPPORT); exit 0 / 1
 *   kp_dg xfer [-4|-6] [-P PROTO] [-c COUNT] ADDR
 *                                COUNT datagrams (sizes 0, 1, ...) from one
 *                                socket to another on the local ADDR, each
 *                                compared byte for byte:
 *                                sent=N received=N bytes=N
 *   kp_dg send [-4|-6] [-P PROTO] [-c COUNT] [-s SIZE] ADDR PORT
 *                                sent=N errors=N (exit 1 on an error)
 *   kp_dg churn [-4|-6] [-P PROTO] ADDR PORT
 *                                until SIGTERM: bursts of socket(), sendto(),
 *                                close(); then one line:
 *                                sockets=N sent=N eprotonosupport=N going=N
 *                                other=N [first_other=ENAME]
 *                                (exit 1 if any other error).  "going":
 *                                socket() while the module is being removed
 *                                (its reference cannot be taken: sk_alloc()
 *                                fails, inet_create() says ENOMEM,
 *                                inet6_create() ENOBUFS)
 *   kp_dg hold [-4|-6] [-P PROTO] [-r FILE]
 *                                a bound socket, FILE created once bound,
 *                                kept until SIGTERM
 *   kp_dg many [-4|-6] [-P PROTO] [-n N] [-p BASE]
 *                                N sockets on ports BASE.. of the loopback
 *                                address; one datagram to each, received by
 *                                that socket only; /proc/net/kp_dgram{,6}
 *                                and sock-get list them all; lookup timing
 *                                with 10 and with N sockets (printed only)
 *
 * PROTO defaults to what stats-get reports (253 unless loaded otherwise).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kd_common.h"

static const char *prog = "kp_dg";

/*
 * SIGTERM and SIGINT stay blocked (from main() on) and are only looked
 * for: stopped() between bursts, sigwait() when idle.
 */
static sigset_t stop_signals;

static bool stopped(void)
{
	sigset_t pending;

	return !sigpending(&pending) &&
	       (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT));
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: %s stats\n"
		"       %s set port-unreach on|off\n"
		"       %s socket [-4|-6] [-P PROTO]\n"
		"       %s xfer [-4|-6] [-P PROTO] [-c COUNT] ADDR\n"
		"       %s send [-4|-6] [-P PROTO] [-c COUNT] [-s SIZE] ADDR PORT\n"
		"       %s churn [-4|-6] [-P PROTO] ADDR PORT\n"
		"       %s hold [-4|-6] [-P PROTO] [-r FILE]\n"
		"       %s many [-4|-6] [-P PROTO] [-n N] [-p BASE]\n",
		prog, prog, prog, prog, prog, prog, prog, prog);
	exit(2);
}

static const char *ename(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	return 1;
}

struct opts {
	int family;
	int proto;
	long count, size, n, base;
	const char *ready;
};

static long num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

/* Options of the socket commands; returns the index of the first operand. */
static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	o->family = AF_INET;
	o->proto = -1;
	optind = 1;
	while ((c = getopt(argc, argv, "46P:c:s:n:p:r:")) != -1) {
		switch (c) {
		case '4':
			o->family = AF_INET;
			break;
		case '6':
			o->family = AF_INET6;
			break;
		case 'P':
			o->proto = num(optarg, 1, 255, "protocol");
			break;
		case 'c':
			o->count = num(optarg, 0, 100000000, "count");
			break;
		case 's':
			o->size = num(optarg, 0, 65535, "size");
			break;
		case 'n':
			o->n = num(optarg, 1, 1000000, "number of sockets");
			break;
		case 'p':
			o->base = num(optarg, 1, 65535, "port");
			break;
		case 'r':
			o->ready = optarg;
			break;
		default:
			usage();
		}
	}
	if (o->proto < 0) {
		int p = kd_proto();

		o->proto = p > 0 ? p : KP_DGRAM_PROTO_DEFAULT;
	}
	return optind;
}

static int cmd_stats(void)
{
	struct kd_stats st;
	int err = kd_stats_get(&st), fam, c;

	if (err)
		return fail("stats-get", -err);
	printf("proto=%d port_unreach=%d", st.proto, st.port_unreach);
	for (fam = 4; fam <= 6; fam += 2) {
		const struct kd_mib *m = fam == 4 ? &st.mib4 : &st.mib6;

		for (c = KP_DGRAM_A_STATS_IN_DATAGRAMS; c <= KP_DGRAM_A_STATS_MAX; c++) {
			if (m->has[c])
				printf(" %s%d=%llu", kd_counter_name(c), fam,
				       (unsigned long long)m->v[c]);
		}
	}
	printf("\n");
	return 0;
}

static int cmd_set(int argc, char **argv)
{
	struct kd_nl_answer ans = { 0 };
	int err, on;

	if (argc != 4 || strcmp(argv[2], "port-unreach"))
		usage();
	if (!strcmp(argv[3], "on"))
		on = 1;
	else if (!strcmp(argv[3], "off"))
		on = 0;
	else
		usage();
	err = kd_config_set_raw(on, &ans);
	if (err) {
		fprintf(stderr, "%s: config-set: %s%s%s\n", prog, strerror(-err),
			ans.msg[0] ? ": " : "", ans.msg);
		return 1;
	}
	return 0;
}

static int cmd_socket(int argc, char **argv)
{
	struct opts o = { 0 };
	int fd;

	parse(argc - 1, argv + 1, &o);
	fd = socket(o.family, SOCK_DGRAM, o.proto);
	if (fd < 0) {
		printf("%s\n", ename(errno));
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}

static int bound_sock(const struct opts *o, const char *addr, int port,
		      union kd_addr *a)
{
	socklen_t len = sizeof(*a);
	int fd;

	if (kd_addr(a, o->family, addr, port)) {
		fprintf(stderr, "%s: bad address '%s'\n", prog, addr);
		exit(2);
	}
	fd = socket(o->family, SOCK_DGRAM | SOCK_CLOEXEC, o->proto);
	if (fd < 0)
		return -errno;
	if (bind(fd, &a->sa, kd_addr_len(o->family)) ||
	    getsockname(fd, &a->sa, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int cmd_xfer(int argc, char **argv)
{
	struct opts o = { .count = 100 };
	int i = parse(argc - 1, argv + 1, &o) + 1, tx, rx, *sizes, err;
	union kd_addr src, dst;
	struct kd_xfer x = { .seed = kd_random_seed(), .timeout_ms = 5000 };

	if (argc - i != 1)
		usage();
	tx = bound_sock(&o, argv[i], 0, &src);
	if (tx < 0)
		return fail("sender socket", -tx);
	rx = bound_sock(&o, argv[i], 0, &dst);
	if (rx < 0)
		return fail("receiver socket", -rx);
	sizes = calloc(o.count ?: 1, sizeof(int));
	for (i = 0; i < o.count; i++)
		sizes[i] = i;
	x.tx = tx;
	x.rx = rx;
	x.dst = &dst;
	x.src = &src;
	x.sizes = sizes;
	x.nsizes = o.count;
	err = kd_xfer_run(&x);
	printf("sent=%d received=%d bytes=%llu\n", x.sent, x.received,
	       (unsigned long long)x.bytes);
	if (err)
		fprintf(stderr, "%s: %s\n", prog, x.err);
	return err ? 1 : 0;
}

static int cmd_send(int argc, char **argv)
{
	struct opts o = { .count = 1, .size = 16 };
	int i = parse(argc - 1, argv + 1, &o) + 1, fd, errors = 0, sent = 0;
	union kd_addr dst;
	uint8_t buf[65536];

	if (argc - i != 2)
		usage();
	if (kd_addr(&dst, o.family, argv[i], num(argv[i + 1], 1, 65535, "port")))
		usage();
	fd = socket(o.family, SOCK_DGRAM | SOCK_CLOEXEC, o.proto);
	if (fd < 0)
		return fail("socket", errno);
	for (i = 0; i < o.count; i++) {
		kd_fill(buf, o.size, 0x5eed, i);
		if (sendto(fd, buf, o.size, 0, &dst.sa, kd_addr_len(o.family)) != o.size) {
			fprintf(stderr, "%s: sendto: %s\n", prog, strerror(errno));
			errors++;
			break;
		}
		sent++;
	}
	printf("sent=%d errors=%d\n", sent, errors);
	close(fd);
	return errors ? 1 : 0;
}

static int cmd_churn(int argc, char **argv)
{
	struct opts o = { 0 };
	int i = parse(argc - 1, argv + 1, &o) + 1, fd, first_other = 0, k;
	long sockets = 0, sent = 0, eproto = 0, going = 0, other = 0;
	union kd_addr dst;

	if (argc - i != 2)
		usage();
	if (kd_addr(&dst, o.family, argv[i], num(argv[i + 1], 1, 65535, "port")))
		usage();
	while (!stopped()) {
		/*
		 * A burst, then a pause: every socket holds a module
		 * reference (until its RCU grace period ends), and rmmod
		 * needs moments without any.
		 */
		for (k = 0; k < 10; k++) {
			fd = socket(o.family, SOCK_DGRAM | SOCK_CLOEXEC, o.proto);
			if (fd < 0) {
				if (errno == EPROTONOSUPPORT)
					eproto++;
				else if (errno == (o.family == AF_INET ? ENOMEM : ENOBUFS))
					going++;	/* module going */
				else if (!other++)
					first_other = errno;
				break;
			}
			sockets++;
			if (sendto(fd, "churn", 5, 0, &dst.sa, kd_addr_len(o.family)) == 5)
				sent++;
			else if (!other++)
				first_other = errno;
			close(fd);
		}
		usleep(100000);
	}
	printf("sockets=%ld sent=%ld eprotonosupport=%ld going=%ld other=%ld",
	       sockets, sent, eproto, going, other);
	if (other)
		printf(" first_other=%s", ename(first_other));
	printf("\n");
	return other ? 1 : 0;
}

static int cmd_hold(int argc, char **argv)
{
	struct opts o = { 0 };
	union kd_addr a;
	FILE *f;
	int fd, sig;

	parse(argc - 1, argv + 1, &o);
	fd = bound_sock(&o, o.family == AF_INET ? "127.0.0.1" : "::1", 0, &a);
	if (fd < 0)
		return fail("socket", -fd);
	if (o.ready) {
		f = fopen(o.ready, "w");
		if (!f)
			return fail(o.ready, errno);
		fclose(f);
	}
	sigwait(&stop_signals, &sig);
	close(fd);
	return 0;
}

/* The payload of the datagram for port @port. */
static int many_payload(char *buf, int port)
{
	return sprintf(buf, "port %d", port);
}

/* Send @rounds datagrams to @fds[0..@n) round-robin and read each back;
 * microseconds per datagram, or -1.
 */
static double many_rtt(int tx, const int *fds, const int *ports, int n,
		       int rounds, const union kd_addr *lo)
{
	union kd_addr d = *lo;
	uint64_t t0 = kd_now_us();
	char buf[32], in[32];
	int i, len;

	for (i = 0; i < rounds; i++) {
		int k = i % n;

		if (d.sa.sa_family == AF_INET)
			d.in.sin_port = htons(ports[k]);
		else
			d.in6.sin6_port = htons(ports[k]);
		len = many_payload(buf, ports[k]);
		if (sendto(tx, buf, len, 0, &d.sa, kd_addr_len(d.sa.sa_family)) != len ||
		    kd_wait_readable(fds[k], 3000) != 1 ||
		    recv(fds[k], in, sizeof(in), MSG_DONTWAIT) != len ||
		    memcmp(in, buf, len))
			return -1;
	}
	return (double)(kd_now_us() - t0) / rounds;
}

static int cmd_many(int argc, char **argv)
{
	struct opts o = { .n = 10000, .base = 20000 };
	const char *loaddr;
	union kd_addr lo, a, from;
	struct kd_proc_sock *ps;
	struct kd_sock *ks;
	struct rlimit rl;
	int *fds, *ports, i, tx, np, nk, listed = 0, received = 0, err, len;
	int warm = 10, rounds = 2000;
	uint64_t t0, t_bind, t_send;
	double t10, tn;
	char buf[32], in[64];
	uint8_t *seen;

	parse(argc - 1, argv + 1, &o);
	if (o.base + o.n > 65536) {
		fprintf(stderr, "%s: ports %ld..%ld beyond 65535\n", prog,
			o.base, o.base + o.n - 1);
		return 2;
	}
	rl.rlim_cur = o.n + 256;
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return fail("setrlimit(RLIMIT_NOFILE)", errno);
	loaddr = o.family == AF_INET ? "127.0.0.1" : "::1";
	kd_addr(&lo, o.family, loaddr, 0);
	fds = calloc(o.n, sizeof(int));
	ports = calloc(o.n, sizeof(int));
	seen = calloc(65536, 1);
	if (!fds || !ports || !seen)
		return fail("calloc", ENOMEM);
	tx = bound_sock(&o, loaddr, o.base - 1, &a);
	if (tx < 0)
		return fail("sender socket", -tx);

	/* a few sockets: the time of a datagram there and back */
	for (i = 0; i < warm; i++) {
		fds[i] = bound_sock(&o, loaddr, o.base + i, &a);
		if (fds[i] < 0)
			return fail("socket/bind", -fds[i]);
		ports[i] = o.base + i;
	}
	t10 = many_rtt(tx, fds, ports, warm, rounds, &lo);
	if (t10 < 0)
		return fail("traffic with 10 sockets", EIO);

	t0 = kd_now_us();
	for (; i < o.n; i++) {
		fds[i] = bound_sock(&o, loaddr, o.base + i, &a);
		if (fds[i] < 0) {
			fprintf(stderr, "%s: socket %d (port %ld): %s\n", prog, i,
				o.base + i, strerror(-fds[i]));
			return 1;
		}
		ports[i] = o.base + i;
	}
	t_bind = kd_now_us() - t0;
	tn = many_rtt(tx, fds, ports, o.n, rounds, &lo);
	if (tn < 0)
		return fail("traffic with all sockets", EIO);

	/* one datagram to each port, then each socket reads its own */
	t0 = kd_now_us();
	for (i = 0; i < o.n; i++) {
		a = lo;
		if (o.family == AF_INET)
			a.in.sin_port = htons(ports[i]);
		else
			a.in6.sin6_port = htons(ports[i]);
		len = many_payload(buf, ports[i]);
		if (sendto(tx, buf, len, 0, &a.sa, kd_addr_len(o.family)) != len)
			return fail("sendto", errno);
		/*
		 * A breather every 256: the loopback backlog (per CPU,
		 * netdev_max_backlog) drops what softirq has not drained yet.
		 */
		if (i % 256 == 255)
			kd_wait_readable(fds[i], 3000);
	}
	t_send = kd_now_us() - t0;
	for (i = 0; i < o.n; i++) {
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (kd_wait_readable(fds[i], 3000) != 1) {
			fprintf(stderr, "%s: port %d: nothing received\n", prog, ports[i]);
			continue;
		}
		n = recvfrom(fds[i], in, sizeof(in), MSG_DONTWAIT, &from.sa, &flen);
		len = many_payload(buf, ports[i]);
		if (n != len || memcmp(in, buf, len)) {
			fprintf(stderr, "%s: port %d received '%.*s', expected '%s'\n",
				prog, ports[i], n > 0 ? (int)n : 0, in, buf);
			continue;
		}
		if (kd_addr_port(&from) != o.base - 1) {
			fprintf(stderr, "%s: port %d: from port %d\n", prog, ports[i],
				kd_addr_port(&from));
			continue;
		}
		if (recv(fds[i], in, sizeof(in), MSG_DONTWAIT) >= 0) {
			fprintf(stderr, "%s: port %d received a second datagram\n",
				prog, ports[i]);
			continue;
		}
		received++;
	}

	/* the socket table */
	err = kd_proc_read(o.family, &ps, &np);
	if (err)
		return fail(o.family == AF_INET ? "/proc/net/kp_dgram" :
			    "/proc/net/kp_dgram6", -err);
	for (i = 0; i < np; i++) {
		if (ps[i].lport >= o.base && ps[i].lport < o.base + o.n &&
		    !seen[ps[i].lport]) {
			seen[ps[i].lport] = 1;
			listed++;
		}
	}
	free(ps);
	err = kd_sock_dump(&ks, &nk);
	if (err)
		return fail("sock-get dump", -err);
	free(ks);

	printf("sockets=%ld received=%d proc_lines=%d proc_listed=%d genl_listed=%d ",
	       o.n, received, np, listed, nk);
	printf("bind_ms=%llu send_ms=%llu us_per_datagram_10=%.1f us_per_datagram_%ld=%.1f\n",
	       (unsigned long long)t_bind / 1000, (unsigned long long)t_send / 1000,
	       t10, o.n, tn);
	for (i = 0; i < o.n; i++)
		close(fds[i]);
	close(tx);
	return received == o.n && listed == o.n ? 0 : 1;
}

int main(int argc, char **argv)
{
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigprocmask(SIG_BLOCK, &stop_signals, NULL);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "stats") && argc == 2)
		return cmd_stats();
	if (!strcmp(argv[1], "set"))
		return cmd_set(argc, argv);
	if (!strcmp(argv[1], "socket"))
		return cmd_socket(argc, argv);
	if (!strcmp(argv[1], "xfer"))
		return cmd_xfer(argc, argv);
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc, argv);
	if (!strcmp(argv[1], "churn"))
		return cmd_churn(argc, argv);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc, argv);
	if (!strcmp(argv[1], "many"))
		return cmd_many(argc, argv);
	usage();
	return 2;
}
