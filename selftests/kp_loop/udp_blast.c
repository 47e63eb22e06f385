// SPDX-License-Identifier: GPL-2.0
/*
 * udp_blast: UDP datagram generator and sink, for benchmarks.
 *
 * One process, two threads pinned to different CPUs: a sender pushing
 * batches of datagrams with sendmmsg() and a receiver draining a UDP socket
 * with recvmmsg().  After a warm-up, the counters of both are sampled over a
 * fixed window; the result is printed as one JSON object on stdout.
 *
 *   udp mode:    the sender is a connected UDP socket; the kernel routes the
 *                datagrams (e.g. from one netns over a device pair into
 *                another netns).
 *   packet mode: the sender builds complete Ethernet + IPv4 + UDP frames
 *                (checksums included) and sends them on an AF_PACKET
 *                SOCK_RAW socket bound to one device, for devices that a
 *                socket cannot reach by routing, such as a loopback device
 *                sending to itself.  The frames are addressed to the
 *                device's own MAC and to a local IPv4 address.
 *   tcp mode:    one TCP connection instead: the sender writes --size bytes
 *                per send(), the receiver reads; the counts are bytes.
 *
 * --proto N makes both sockets socket(AF_INET, SOCK_DGRAM, N) and, in packet
 * mode, the frames IP protocol N: a transport with UDP's header, checksum
 * and socket API (kp_dgram, IP protocol 253) is then measured by the very
 * same code as UDP.  The default is 17, UDP.
 *
 * Each socket is created in its netns (--tx-netns, --rx-netns: a name in
 * /run/netns or a path) before the threads start, so the threads need no
 * netns of their own.
 *
 * Interleaved mode (--alt): two configurations, A (the options before
 * --alt) and B (the options after it), measured in the same process.  Each
 * side has its own sockets, created in its own netns; the sender alternates
 * between them in slices of --slice seconds, in ABBA order (pairs AB, BA,
 * AB, ...), and every datagram carries the index of its slice in its first
 * four payload bytes, so the receiver (which drains both sides' sockets)
 * credits each datagram to the slice that sent it, whenever it arrives.
 * Each pair of slices gives one ratio, B's rate over A's: the two sides
 * see the same machine, at most a slice apart.
 *
 * --tx-dev/--rx-dev DEV also sample the packet counters of a device
 * (tx_packets of the sender's, rx_packets of the receiver's, from
 * /proc/net/dev of the sender's or receiver's netns) at the two ends of the
 * window: with a real NIC, what left the device and what the driver
 * received can differ from what the sockets counted.
 *
 * Exit status: 0 on success, 1 on a setup error or if nothing was received
 * in the measured window, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <linux/if_packet.h>
#include <linux/types.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO		55
#endif
#define SK_MEMINFO_DROPS	8	/* index in the SO_MEMINFO array */
#define SK_MEMINFO_VARS		9

#define MAX_BATCH	256
#define MAX_SIZE	65507		/* largest UDP payload over IPv4 */
#define MAX_TCP_SIZE	1048576		/* tcp mode: bytes per send() */
#define TCP_RX_BUF	262144		/* tcp mode: bytes per recv() */
#define FRAME_HDRS	(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))
#define TAG_LEN		4		/* --alt: the slice index in the payload */
#define MAX_SLICES	100000

enum mode { MODE_UDP, MODE_PACKET, MODE_TCP };

/* Options common to both sides. */
struct opts {
	enum mode mode;
	unsigned int size;
	double seconds;
	double warmup;
	unsigned int batch;
	int tx_cpu, rx_cpu;
	int rcvbuf;
	bool have_rcvbuf;
	bool rx_wait;
	unsigned int rx_nap_us;
	double interval;
	const char *tx_dev;	/* device counters sampled with the window */
	const char *rx_dev;
	double slice;		/* --alt: seconds per slice */
};

/* Counters: each written by one thread, read by the main thread. */
struct counters {
	__u64 sent;		/* datagrams accepted by sendmmsg() (tcp: bytes) */
	__u64 tx_errors;	/* sendmmsg() calls that failed */
	__u64 received;	/* datagrams returned by recvmmsg() (tcp: bytes) */
	__u64 rx_bytes;	/* their UDP payload bytes */
};

/*
 * One configuration: its options, its two sockets and what it sends.
 * Without --alt there is one (A); with it, two (A and B).
 */
struct side {
	const char *dev;
	const char *tx_netns;
	const char *rx_netns;
	struct in_addr dst;
	struct in_addr src;
	bool have_dst, have_src;
	__u16 port;
	unsigned char dst_mac[ETH_ALEN];
	bool have_dst_mac;
	int proto;		/* of both sockets: 17, UDP, or a look-alike */

	int tx_fd, rx_fd;
	unsigned char *tx_buf;	/* payload, or a whole frame */
	size_t tx_len;
	unsigned char *payload;	/* in tx_buf: where the slice tag goes */
	struct sockaddr_ll tx_ll;	/* packet mode: where to send */
	struct counters ctr;
	__u64 drops[2];		/* --alt: socket drops at the window's ends */
};

/* --tx-dev/--rx-dev: /proc/net/dev of the netns the device is in. */
struct dev_ctr {
	__u64 packets;	/* tx_packets of --tx-dev, rx_packets of --rx-dev */
	__u64 dropped;	/* tx_dropped / rx_dropped */
	bool ok;
};

/* --alt: one slice, as the sender saw it (written by the sender only). */
struct slice {
	double t0, t1;		/* when the sender entered and left it */
	__u64 sent;
	__u64 tx_errors;
};

static int tx_dev_fd = -1, rx_dev_fd = -1;

static int stop_tx, stop_rx;	/* __atomic: set by main, read by the threads */
static struct opts o = {
	.mode = MODE_UDP,
	.size = 64,
	.seconds = 5,
	.warmup = 1,
	.batch = 32,
	.tx_cpu = 1,
	.rx_cpu = 0,
	.rcvbuf = 8 << 20,
	.rx_nap_us = 1000,
	.slice = 0.1,
};

static struct side sides[2] = {
	{ .port = 9000, .proto = IPPROTO_UDP, .tx_fd = -1, .rx_fd = -1 },
	{ .port = 9000, .proto = IPPROTO_UDP, .tx_fd = -1, .rx_fd = -1 },
};

static int nsides = 1;		/* 2 with --alt */

/*
 * --alt: the schedule.  Slices 0 .. nwarm - 1 are the warm-up (A, B, A,
 * B...), then 2 * npairs measured slices in ABBA order.  The main thread
 * announces the slice to send in (slice_req; -1: stop), the sender switches
 * after the batch it is sending, records when (slices[]) and acknowledges
 * (slice_ack); the main thread times the slice from then.  The receiver
 * counts the datagrams of each slice by their tag (slice_rx[]).
 */
static int nwarm, npairs, nslices;
static struct slice *slices;
static __u64 *slice_rx;
static __u64 stray_rx;		/* tag out of range (none expected) */
static __u64 crossed_rx;	/* a slice's datagram on the other side's socket */
static int slice_req;
static int slice_ack;		/* the slice the sender is in (-1: none yet) */

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "udp_blast: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void die_errno(const char *what)
{
	die("%s: %s", what, strerror(errno));
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: udp_blast [OPTIONS] [--alt SIDE-B-OPTIONS]\n"
		"  -m, --mode udp|packet|tcp\n"
		"                         udp: connected UDP socket to --dst (default);\n"
		"                         packet: Eth+IPv4+UDP frames on AF_PACKET, --dev;\n"
		"                         tcp: one TCP connection to --dst, counted in\n"
		"                         bytes (\"sent\", \"received\", \"tx_mbps\", \"rx_mbps\")\n"
		"  -s, --size BYTES       UDP payload size (default 64); tcp: bytes per\n"
		"                         send() (up to 1 MiB)\n"
		"  -t, --seconds S        measured window (default 5)\n"
		"  -w, --warmup S         warm-up before the window (default 1)\n"
		"  -b, --batch N          datagrams per sendmmsg/recvmmsg (default 32)\n"
		"  -d, --dst ADDR         destination IPv4 address (required)\n"
		"  -S, --src ADDR         source IPv4 address (packet mode: required;\n"
		"                         udp mode: bind the sender to it)\n"
		"  -p, --port PORT        destination UDP port (default 9000)\n"
		"  -i, --dev DEV          packet mode: device to send on; udp mode:\n"
		"                         only reported in the output\n"
		"      --dst-mac MAC      packet mode: default the device's own address\n"
		"  -n, --netns NS         netns of both sockets (name in /run/netns or path)\n"
		"      --tx-netns NS      netns of the sender\n"
		"      --rx-netns NS      netns of the receiver\n"
		"      --tx-cpu N         CPU of the sender thread (default 1)\n"
		"      --rx-cpu N         CPU of the receiver thread (default 0)\n"
		"      --proto N          IP protocol of both sockets,\n"
		"                         socket(AF_INET, SOCK_DGRAM, N), and of the\n"
		"                         frames in packet mode: a transport with UDP's\n"
		"                         header and socket API (default 17, UDP; any\n"
		"                         other N is reported as \"proto\" in the output)\n"
		"      --rcvbuf BYTES     receive buffer, SO_RCVBUFFORCE (default 8 MiB;\n"
		"                         tcp: the kernel's autotuning unless given)\n"
		"      --rx-nap US        the receiver drains the socket (MSG_DONTWAIT),\n"
		"                         then sleeps US microseconds (default 1000; 0:\n"
		"                         it spins): the sender never wakes it up\n"
		"      --rx-wait          the receiver blocks in recvmmsg() instead\n"
		"      --interval S       also print the rates every S seconds of the\n"
		"                         window on stderr (one JSON object a line)\n"
		"      --tx-dev DEV       also count DEV's tx_packets over the window\n"
		"                         (DEV in the sender's netns): \"dev_tx_pps\"\n"
		"      --rx-dev DEV       also count DEV's rx_packets over the window\n"
		"                         (DEV in the receiver's netns): \"dev_rx_pps\"\n"
		"      --alt              interleaved mode (udp and packet modes): the\n"
		"                         options -d -S -p -i --dst-mac -n --tx-netns\n"
		"                         --rx-netns --proto given after --alt describe\n"
		"                         a second configuration, B (starting from a copy\n"
		"                         of A's); the sender alternates between A and B\n"
		"                         in slices, ABBA order, --warmup then --seconds\n"
		"                         of slices (both sides together); output: each\n"
		"                         side's totals, every slice, and B/A per pair\n"
		"      --slice S          --alt: seconds per slice (default 0.1)\n"
		"  -h, --help             this text\n"
		"Prints one JSON object on stdout.\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static unsigned long parse_ulong(const char *s, const char *what,
				 unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "udp_blast: bad %s '%s' (%lu..%lu)\n",
			what, s, min, max);
		exit(2);
	}
	return v;
}

static double parse_seconds(const char *s, const char *what)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 86400) {
		fprintf(stderr, "udp_blast: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void parse_addr(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "udp_blast: bad IPv4 address '%s'\n", s);
		exit(2);
	}
}

static void parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	char extra;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &extra) != ETH_ALEN) {
		fprintf(stderr, "udp_blast: bad MAC address '%s'\n", s);
		exit(2);
	}
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff) {
			fprintf(stderr, "udp_blast: bad MAC address '%s'\n", s);
			exit(2);
		}
		mac[i] = b[i];
	}
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "udp_blast: %s\n", msg);
	exit(2);
}

/* The checks that apply to each side. */
static void check_side(const struct side *s, const char *name)
{
	char msg[128];

	if (!s->have_dst) {
		snprintf(msg, sizeof(msg), "%s--dst is required", name);
		usage_error(msg);
	}
	if (o.mode == MODE_TCP && s->proto != IPPROTO_UDP)
		usage_error("--proto is for the udp and packet modes");
	if (o.mode == MODE_PACKET && (!s->dev || !s->have_src)) {
		snprintf(msg, sizeof(msg), "%spacket mode needs --dev and --src", name);
		usage_error(msg);
	}
}

static void parse_args(int argc, char **argv)
{
	enum { OPT_DST_MAC = 256, OPT_TX_NETNS, OPT_RX_NETNS, OPT_TX_CPU,
	       OPT_RX_CPU, OPT_PROTO, OPT_RCVBUF, OPT_RX_WAIT,
	       OPT_RX_NAP, OPT_INTERVAL, OPT_TX_DEV, OPT_RX_DEV, OPT_ALT,
	       OPT_SLICE };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "dst", required_argument, NULL, 'd' },
		{ "src", required_argument, NULL, 'S' },
		{ "port", required_argument, NULL, 'p' },
		{ "dev", required_argument, NULL, 'i' },
		{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
		{ "netns", required_argument, NULL, 'n' },
		{ "tx-netns", required_argument, NULL, OPT_TX_NETNS },
		{ "rx-netns", required_argument, NULL, OPT_RX_NETNS },
		{ "tx-cpu", required_argument, NULL, OPT_TX_CPU },
		{ "rx-cpu", required_argument, NULL, OPT_RX_CPU },
		{ "proto", required_argument, NULL, OPT_PROTO },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ "rx-wait", no_argument, NULL, OPT_RX_WAIT },
		{ "rx-nap", required_argument, NULL, OPT_RX_NAP },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "tx-dev", required_argument, NULL, OPT_TX_DEV },
		{ "rx-dev", required_argument, NULL, OPT_RX_DEV },
		{ "alt", no_argument, NULL, OPT_ALT },
		{ "slice", required_argument, NULL, OPT_SLICE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct side *s = &sides[0];	/* the side the options describe */
	double measured;
	int c;

	while ((c = getopt_long(argc, argv, "m:s:t:w:b:d:S:p:i:n:h",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "udp")) {
				o.mode = MODE_UDP;
			} else if (!strcmp(optarg, "packet")) {
				o.mode = MODE_PACKET;
			} else if (!strcmp(optarg, "tcp")) {
				o.mode = MODE_TCP;
			} else {
				fprintf(stderr, "udp_blast: bad mode '%s'\n", optarg);
				exit(2);
			}
			break;
		case 's':
			/* (up to MAX_SIZE but in tcp mode: checked below) */
			o.size = parse_ulong(optarg, "size", 1, MAX_TCP_SIZE);
			break;
		case 't':
			o.seconds = parse_seconds(optarg, "seconds");
			if (o.seconds <= 0) {
				fprintf(stderr, "udp_blast: --seconds must be > 0\n");
				exit(2);
			}
			break;
		case 'w':
			o.warmup = parse_seconds(optarg, "warmup");
			break;
		case 'b':
			o.batch = parse_ulong(optarg, "batch", 1, MAX_BATCH);
			break;
		case 'd':
			parse_addr(optarg, &s->dst);
			s->have_dst = true;
			break;
		case 'S':
			parse_addr(optarg, &s->src);
			s->have_src = true;
			break;
		case 'p':
			s->port = parse_ulong(optarg, "port", 1, 65535);
			break;
		case 'i':
			s->dev = optarg;
			break;
		case OPT_DST_MAC:
			parse_mac(optarg, s->dst_mac);
			s->have_dst_mac = true;
			break;
		case 'n':
			s->tx_netns = optarg;
			s->rx_netns = optarg;
			break;
		case OPT_TX_NETNS:
			s->tx_netns = optarg;
			break;
		case OPT_RX_NETNS:
			s->rx_netns = optarg;
			break;
		case OPT_TX_CPU:
			o.tx_cpu = parse_ulong(optarg, "tx-cpu", 0, CPU_SETSIZE - 1);
			break;
		case OPT_RX_CPU:
			o.rx_cpu = parse_ulong(optarg, "rx-cpu", 0, CPU_SETSIZE - 1);
			break;
		case OPT_PROTO:
			s->proto = parse_ulong(optarg, "proto", 1, 254);
			break;
		case OPT_RCVBUF:
			o.rcvbuf = parse_ulong(optarg, "rcvbuf", 4096, INT32_MAX / 2);
			o.have_rcvbuf = true;
			break;
		case OPT_RX_WAIT:
			o.rx_wait = true;
			break;
		case OPT_RX_NAP:
			o.rx_nap_us = parse_ulong(optarg, "rx-nap", 0, 1000000);
			break;
		case OPT_INTERVAL:
			o.interval = parse_seconds(optarg, "interval");
			break;
		case OPT_TX_DEV:
			o.tx_dev = optarg;
			break;
		case OPT_RX_DEV:
			o.rx_dev = optarg;
			break;
		case OPT_ALT:
			if (nsides == 2)
				usage_error("--alt given twice");
			/* B starts as a copy of A's options. */
			sides[1] = sides[0];
			s = &sides[1];
			nsides = 2;
			break;
		case OPT_SLICE:
			o.slice = parse_seconds(optarg, "slice");
			if (o.slice < 0.01)
				usage_error("--slice must be at least 0.01 s");
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "udp_blast: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	check_side(&sides[0], "");
	if (o.mode != MODE_TCP && o.size > MAX_SIZE) {
		fprintf(stderr, "udp_blast: bad size '%u' (1..%u)\n", o.size, MAX_SIZE);
		exit(2);
	}
	if (o.mode == MODE_PACKET && o.size > ETH_DATA_LEN - 28) {
		fprintf(stderr, "udp_blast: packet mode: --size at most %d (no fragments)\n",
			ETH_DATA_LEN - 28);
		exit(2);
	}
	if (nsides == 1)
		return;
	check_side(&sides[1], "side B: ");
	if (o.mode == MODE_TCP)
		usage_error("--alt is for the udp and packet modes");
	if (o.size < TAG_LEN)
		usage_error("--alt needs --size 4 or more (the slice tag)");
	if (o.rx_wait || o.interval > 0 || o.tx_dev || o.rx_dev)
		usage_error("--alt excludes --rx-wait, --interval, --tx-dev and --rx-dev");
	/*
	 * An even number of warm-up slices (A, B, ...), then whole pairs: at
	 * least one, as many as fit in --seconds.
	 */
	nwarm = 2 * (int)(o.warmup / (2 * o.slice) + 0.999);
	measured = o.seconds / (2 * o.slice);
	npairs = measured < 1 ? 1 : (int)(measured + 0.5);
	if (nwarm + 2.0 * npairs > MAX_SLICES)
		usage_error("--alt: too many slices (--seconds / --slice)");
	nslices = nwarm + 2 * npairs;
}

/* Enter the netns @ns (a name in /run/netns, or a path); NULL: stay. */
static void enter_netns(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (!ns)
		return;
	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("netns %s: %s", path, strerror(errno));
	if (setns(fd, CLONE_NEWNET))
		die("setns %s: %s", path, strerror(errno));
	close(fd);
}

/* A datagram socket of --proto: UDP, or a transport that imitates it. */
static int dgram_socket(const struct side *s, const char *who)
{
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, s->proto);
	if (fd < 0)
		die("%s socket (IP protocol %d): %s%s", who, s->proto,
		    strerror(errno),
		    errno == EPROTONOSUPPORT ? " (is its module loaded?)" : "");
	return fd;
}

/*
 * The receiver: a datagram socket of --proto bound to the port, on any
 * local address.
 */
static void setup_rx(struct side *s)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct timeval tv = { .tv_usec = 100000 };
	int got;
	socklen_t len = sizeof(got);

	s->rx_fd = dgram_socket(s, "receiver");
	if (setsockopt(s->rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof(o.rcvbuf)) &&
	    setsockopt(s->rx_fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(o.rcvbuf)))
		die_errno("SO_RCVBUF");
	if (getsockopt(s->rx_fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got < o.rcvbuf)
		fprintf(stderr, "udp_blast: warning: receive buffer %d < %d bytes\n",
			got, o.rcvbuf);
	/* Wake up now and then to see the stop flag. */
	if (setsockopt(s->rx_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die_errno("SO_RCVTIMEO");
	if (bind(s->rx_fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind receiver to port %u: %s", s->port, strerror(errno));
}

static void setup_tx_udp(struct side *s)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr = s->dst,
	};

	s->tx_fd = dgram_socket(s, "sender");
	if (s->have_src) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_addr = s->src,
		};

		if (bind(s->tx_fd, (struct sockaddr *)&src, sizeof(src)))
			die_errno("bind sender");
	}
	if (connect(s->tx_fd, (struct sockaddr *)&dst, sizeof(dst)))
		die_errno("connect sender");

	s->tx_len = o.size;
	s->tx_buf = calloc(1, s->tx_len);
	if (!s->tx_buf)
		die("out of memory");
	memset(s->tx_buf, 0xa5, s->tx_len);
	s->payload = s->tx_buf;
}

static void set_timeouts(int fd, bool snd, bool rcv)
{
	struct timeval tv = { .tv_usec = 100000 };

	if ((snd && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) ||
	    (rcv && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))))
		die_errno("SO_SNDTIMEO/SO_RCVTIMEO");
}

/*
 * tcp mode, the receiver: a listening socket on the port (any local
 * address); the connection is accepted once the sender has connected.
 */
static int setup_rx_tcp(struct side *s)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_errno("receiver TCP socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die_errno("SO_REUSEADDR");
	/* Before listen(): the window scale is chosen from it. */
	if (o.have_rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof(o.rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(o.rcvbuf)))
		die_errno("SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 1))
		die("bind/listen on port %u: %s", s->port, strerror(errno));
	return fd;
}

static void setup_tx_tcp(struct side *s)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr = s->dst,
	};
	struct timeval tv = { .tv_sec = 10 };

	s->tx_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->tx_fd < 0)
		die_errno("sender TCP socket");
	if (s->have_src) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_addr = s->src,
		};

		if (bind(s->tx_fd, (struct sockaddr *)&src, sizeof(src)))
			die_errno("bind sender");
	}
	/* (SO_SNDTIMEO bounds connect() too) */
	if (setsockopt(s->tx_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		die_errno("SO_SNDTIMEO");
	if (connect(s->tx_fd, (struct sockaddr *)&dst, sizeof(dst)))
		die_errno("connect sender");
	/* Then wake up now and then to see the stop flag. */
	set_timeouts(s->tx_fd, true, false);

	s->tx_len = o.size;
	s->tx_buf = calloc(1, s->tx_len);
	if (!s->tx_buf)
		die("out of memory");
	memset(s->tx_buf, 0xa5, s->tx_len);
	s->payload = s->tx_buf;
}

static void accept_rx_tcp(struct side *s, int lfd)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };

	if (poll(&pfd, 1, 10000) != 1)
		die("no TCP connection to accept within 10 s");
	s->rx_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s->rx_fd < 0)
		die_errno("accept");
	close(lfd);
	set_timeouts(s->rx_fd, false, true);
}

/* /proc/net/dev of the current netns, kept open: read at each snapshot. */
static int open_dev_stats(const char *dev)
{
	int fd;

	if (!dev)
		return -1;
	fd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("/proc/self/net/dev");
	return fd;
}

/*
 * The counters of @dev in @fd's /proc/net/dev: @tx picks tx_packets and
 * tx_dropped, else rx_packets and rx_dropped.
 */
static void read_dev_stats(int fd, const char *dev, bool tx, struct dev_ctr *c)
{
	static char buf[65536];
	unsigned long long v[16];
	char name[IFNAMSIZ + 1];
	char *line, *p, *end;
	ssize_t n;
	int i;

	c->ok = false;
	if (fd < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');

		if (!colon || sscanf(line, " %16[^:]", name) != 1 || strcmp(name, dev))
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast,
		 * tx: bytes packets errs drop fifo colls carrier compressed
		 */
		for (i = 0, p = colon + 1; i < 16; i++, p = end) {
			v[i] = strtoull(p, &end, 10);
			if (end == p)
				return;
		}
		c->packets = tx ? v[9] : v[1];
		c->dropped = tx ? v[11] : v[3];
		c->ok = true;
		return;
	}
}

/* Internet checksum of @len bytes, added to @sum, not folded. */
static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* packet mode: the UDP checksum of @s's frame, after a payload change. */
static void frame_udp_csum(struct side *s)
{
	struct iphdr *ip = (struct iphdr *)(s->tx_buf + ETH_HLEN);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	__u32 sum;
	__u16 c;

	udp->check = 0;
	/* Pseudo-header, then the UDP header and payload. */
	sum = csum_add(0, &ip->saddr, 8);
	sum += s->proto + sizeof(*udp) + o.size;
	sum = csum_add(sum, udp, sizeof(*udp) + o.size);
	c = csum_fold(sum);
	udp->check = htons(c ? c : 0xffff);
}

/*
 * One Ethernet + IPv4 + UDP frame, sent again and again.  With --proto,
 * the IP protocol (and the checksum's pseudo-header) is N: the header and
 * the checksum are UDP's.
 */
static void build_frame(struct side *s, const unsigned char *src_mac)
{
	struct ether_header *eth;
	struct iphdr *ip;
	struct udphdr *udp;

	s->tx_len = FRAME_HDRS + o.size;
	s->tx_buf = calloc(1, s->tx_len);
	if (!s->tx_buf)
		die("out of memory");
	eth = (struct ether_header *)s->tx_buf;
	ip = (struct iphdr *)(s->tx_buf + ETH_HLEN);
	udp = (struct udphdr *)(ip + 1);
	s->payload = (unsigned char *)(udp + 1);

	memcpy(eth->ether_dhost, s->dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, src_mac, ETH_ALEN);
	eth->ether_type = htons(ETHERTYPE_IP);

	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + o.size);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = s->proto;
	ip->saddr = s->src.s_addr;
	ip->daddr = s->dst.s_addr;
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));

	memset(s->payload, 0xa5, o.size);
	udp->source = htons(s->port);
	udp->dest = htons(s->port);
	udp->len = htons(sizeof(*udp) + o.size);
	frame_udp_csum(s);
}

static void setup_tx_packet(struct side *s)
{
	unsigned char src_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	struct ifreq ifr = {};
	int ifindex;

	s->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->tx_fd < 0)
		die_errno("AF_PACKET socket");
	ifindex = if_nametoindex(s->dev);
	if (!ifindex)
		die("device %s: %s", s->dev, strerror(errno));
	if (!s->have_dst_mac) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", s->dev);
		if (ioctl(s->tx_fd, SIOCGIFHWADDR, &ifr))
			die("SIOCGIFHWADDR %s: %s", s->dev, strerror(errno));
		memcpy(s->dst_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	}
	/*
	 * Protocol 0: the socket sends only, it is never registered as a
	 * receive tap (which would add work to every frame).
	 */
	s->tx_ll.sll_family = AF_PACKET;
	s->tx_ll.sll_ifindex = ifindex;
	s->tx_ll.sll_protocol = htons(ETH_P_IP);
	s->tx_ll.sll_halen = ETH_ALEN;
	memcpy(s->tx_ll.sll_addr, s->dst_mac, ETH_ALEN);
	build_frame(s, src_mac);
}

/* --alt: write slice @k's tag into @s's datagram (sender thread only). */
static void set_tag(struct side *s, __u32 k)
{
	memcpy(s->payload, &k, TAG_LEN);
	if (o.mode == MODE_PACKET)
		frame_udp_csum(s);
}

/*
 * --alt: the side of slice @k.  The warm-up alternates A, B, A, B...;
 * then pair p is A, B when p is even and B, A when it is odd (ABBA), so a
 * steady drift of the machine's speed favours neither side.
 */
static int slice_side(int k)
{
	int j, first;

	if (k < nwarm)
		return k % 2;
	j = k - nwarm;
	first = (j / 2) % 2;
	return j % 2 ? !first : first;
}

static void pin(int cpu, const char *who)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("cannot run the %s on CPU %d: %s", who, cpu, strerror(errno));
}

/* The sendmmsg() vector of side @s: @batch times its datagram. */
static void init_tx_msgs(struct side *s, struct mmsghdr *msgs, struct iovec *iov)
{
	unsigned int i;

	iov->iov_base = s->tx_buf;
	iov->iov_len = s->tx_len;
	memset(msgs, 0, o.batch * sizeof(*msgs));
	for (i = 0; i < o.batch; i++) {
		msgs[i].msg_hdr.msg_iov = iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (o.mode == MODE_PACKET) {
			msgs[i].msg_hdr.msg_name = &s->tx_ll;
			msgs[i].msg_hdr.msg_namelen = sizeof(s->tx_ll);
		}
	}
}

/*
 * --alt, the sender: sends in the slice the main thread asks for; at each
 * switch it notes the time and what the slice it leaves sent.
 */
static void tx_alt(void)
{
	static struct mmsghdr msgs[2][MAX_BATCH];
	struct iovec iov[2];
	__u64 sent = 0, errors = 0;
	struct side *s = NULL;
	struct mmsghdr *m = NULL;
	int cur = -1, want, n, i;
	double t;

	for (i = 0; i < 2; i++)
		init_tx_msgs(&sides[i], msgs[i], &iov[i]);
	for (;;) {
		want = __atomic_load_n(&slice_req, __ATOMIC_ACQUIRE);
		if (want != cur) {
			t = now();
			if (cur >= 0) {
				slices[cur].t1 = t;
				slices[cur].sent = sent;
				slices[cur].tx_errors = errors;
			}
			if (want < 0 || want >= nslices)
				break;
			cur = want;
			i = slice_side(cur);
			s = &sides[i];
			m = msgs[i];
			set_tag(s, cur);
			slices[cur].t0 = t;
			sent = 0;
			errors = 0;
			__atomic_store_n(&slice_ack, cur, __ATOMIC_RELEASE);
		}
		n = sendmmsg(s->tx_fd, m, o.batch, 0);
		if (n > 0) {
			sent += n;
		} else if (n < 0 && (errno == ENOBUFS || errno == EAGAIN ||
				     errno == ECONNREFUSED || errno == EINTR)) {
			errors++;
		} else {
			die_errno("sendmmsg");
		}
	}
}

static void *tx_thread(void *arg)
{
	static struct mmsghdr msgs[MAX_BATCH];
	struct side *s = &sides[0];
	struct iovec iov;
	__u64 sent = 0, errors = 0;
	int n;

	(void)arg;
	pin(o.tx_cpu, "sender");
	if (nsides == 2) {
		tx_alt();
		return NULL;
	}
	if (o.mode == MODE_TCP) {
		ssize_t w;

		while (!__atomic_load_n(&stop_tx, __ATOMIC_RELAXED)) {
			w = send(s->tx_fd, s->tx_buf, s->tx_len, MSG_NOSIGNAL);
			if (w > 0) {
				sent += w;
				__atomic_store_n(&s->ctr.sent, sent, __ATOMIC_RELAXED);
			} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
				continue;	/* SO_SNDTIMEO: look at the flag */
			} else {
				die("send: %s", w ? strerror(errno) : "connection closed");
			}
		}
		return NULL;
	}
	init_tx_msgs(s, msgs, &iov);
	while (!__atomic_load_n(&stop_tx, __ATOMIC_RELAXED)) {
		n = sendmmsg(s->tx_fd, msgs, o.batch, 0);
		if (n > 0) {
			sent += n;
			__atomic_store_n(&s->ctr.sent, sent, __ATOMIC_RELAXED);
		} else if (n < 0 && (errno == ENOBUFS || errno == EAGAIN ||
				     errno == ECONNREFUSED || errno == EINTR)) {
			/* Transient (a drop on the way, an ICMP error): go on. */
			errors++;
			__atomic_store_n(&s->ctr.tx_errors, errors, __ATOMIC_RELAXED);
		} else {
			die_errno("sendmmsg");
		}
	}
	return NULL;
}

/*
 * --alt, the receiver: drains both sides' sockets in turn and naps when
 * both were empty; each datagram counts for the slice named by its tag.
 */
static void rx_alt(struct mmsghdr *msgs, unsigned char *bufs, size_t buf_len)
{
	__u32 tag;
	bool got;
	int i, j, n;

	while (!__atomic_load_n(&stop_rx, __ATOMIC_RELAXED)) {
		got = false;
		for (i = 0; i < 2; i++) {
			n = recvmmsg(sides[i].rx_fd, msgs, o.batch, MSG_DONTWAIT, NULL);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					die_errno("recvmmsg");
				continue;
			}
			got = true;
			for (j = 0; j < n; j++) {
				if (msgs[j].msg_len < TAG_LEN) {
					stray_rx++;
					continue;
				}
				memcpy(&tag, bufs + j * buf_len, TAG_LEN);
				if (tag >= (__u32)nslices)
					stray_rx++;
				else if (slice_side(tag) != i)
					crossed_rx++;
				else
					slice_rx[tag]++;
			}
		}
		/* Both queues empty: see the single-side receiver. */
		if (!got && o.rx_nap_us)
			usleep(o.rx_nap_us);
	}
}

static void *rx_thread(void *arg)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iovs[MAX_BATCH];
	struct side *s = &sides[0];
	size_t buf_len = o.size + 1;	/* one more: see a truncation */
	__u64 received = 0, bytes = 0;
	int flags = o.rx_wait ? MSG_WAITFORONE : MSG_DONTWAIT;
	unsigned char *bufs;
	unsigned int i;
	int n;

	(void)arg;
	pin(o.rx_cpu, "receiver");
	if (o.mode == MODE_TCP) {
		ssize_t r;

		bufs = malloc(TCP_RX_BUF);
		if (!bufs)
			die("out of memory");
		while (!__atomic_load_n(&stop_rx, __ATOMIC_RELAXED)) {
			r = recv(s->rx_fd, bufs, TCP_RX_BUF, o.rx_wait ? 0 : MSG_DONTWAIT);
			if (r > 0) {
				received += r;
				__atomic_store_n(&s->ctr.received, received, __ATOMIC_RELAXED);
				__atomic_store_n(&s->ctr.rx_bytes, received, __ATOMIC_RELAXED);
				continue;
			}
			if (r == 0)
				break;		/* the sender closed */
			if (errno != EAGAIN && errno != EINTR)
				die_errno("recv");
			if (!o.rx_wait && o.rx_nap_us)
				usleep(o.rx_nap_us);
		}
		free(bufs);
		return NULL;
	}
	bufs = calloc(o.batch, buf_len);
	if (!bufs)
		die("out of memory");
	for (i = 0; i < o.batch; i++) {
		iovs[i].iov_base = bufs + i * buf_len;
		iovs[i].iov_len = buf_len;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	if (nsides == 2) {
		rx_alt(msgs, bufs, buf_len);
		free(bufs);
		return NULL;
	}
	while (!__atomic_load_n(&stop_rx, __ATOMIC_RELAXED)) {
		n = recvmmsg(s->rx_fd, msgs, o.batch, flags, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				die_errno("recvmmsg");
			/*
			 * Queue empty.  A nap lets the queue fill up, so the
			 * next drain takes its lock once per batch, and leaves
			 * the receiver's CPU idle instead of bouncing the
			 * queue's cache lines with the sender's CPU.
			 */
			if (!o.rx_wait && o.rx_nap_us)
				usleep(o.rx_nap_us);
			continue;
		}
		for (i = 0; i < (unsigned int)n; i++)
			bytes += msgs[i].msg_len;
		received += n;
		__atomic_store_n(&s->ctr.received, received, __ATOMIC_RELAXED);
		__atomic_store_n(&s->ctr.rx_bytes, bytes, __ATOMIC_RELAXED);
	}
	free(bufs);
	return NULL;
}

/* Datagrams the kernel dropped at @s's receiving socket (buffer full). */
static __u64 sock_drops(const struct side *s)
{
	__u32 mem[SK_MEMINFO_VARS] = {};
	socklen_t len = sizeof(mem);

	if (getsockopt(s->rx_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) ||
	    len <= SK_MEMINFO_DROPS * sizeof(__u32))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* tcp mode: segments the sender retransmitted so far (TCP_INFO). */
static __u64 tcp_retrans(void)
{
	struct tcp_info ti = {};
	socklen_t len = sizeof(ti);

	if (o.mode != MODE_TCP ||
	    getsockopt(sides[0].tx_fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return 0;
	return ti.tcpi_total_retrans;
}

struct snap {
	struct counters c;
	__u64 drops;
	__u64 retrans;
	struct dev_ctr txd, rxd;
	double t;
};

static void snapshot(struct snap *s, bool devs)
{
	struct counters *c = &sides[0].ctr;

	s->t = now();
	s->c.sent = __atomic_load_n(&c->sent, __ATOMIC_RELAXED);
	s->c.tx_errors = __atomic_load_n(&c->tx_errors, __ATOMIC_RELAXED);
	s->c.received = __atomic_load_n(&c->received, __ATOMIC_RELAXED);
	s->c.rx_bytes = __atomic_load_n(&c->rx_bytes, __ATOMIC_RELAXED);
	s->drops = sock_drops(&sides[0]);
	if (!devs)
		return;
	s->retrans = tcp_retrans();
	read_dev_stats(tx_dev_fd, o.tx_dev, true, &s->txd);
	read_dev_stats(rx_dev_fd, o.rx_dev, false, &s->rxd);
}

/* --interval: the rates over each interval of the window, on stderr. */
static void report_intervals(const struct counters *start, double t_start)
{
	struct counters prev = *start;
	double t_prev = t_start, dt;
	struct snap cur;

	while (t_prev + o.interval <= t_start + o.seconds + 0.001) {
		sleep_until(t_prev + o.interval);
		snapshot(&cur, false);
		dt = cur.t - t_prev;
		if (o.mode == MODE_TCP)
			fprintf(stderr, "{\"t\":%.3f,\"tx_mbps\":%.2f,\"rx_mbps\":%.2f}\n",
				cur.t - t_start, (cur.c.sent - prev.sent) * 8 / dt / 1e6,
				(cur.c.received - prev.received) * 8 / dt / 1e6);
		else
			fprintf(stderr, "{\"t\":%.3f,\"tx_pps\":%.1f,\"rx_pps\":%.1f}\n",
				cur.t - t_start, (cur.c.sent - prev.sent) / dt,
				(cur.c.received - prev.received) / dt);
		prev = cur.c;
		t_prev = cur.t;
	}
}

/* "dev_tx_pps" or "dev_rx_pps" and the drops, if that device was asked. */
static void print_dev(const char *what, const char *dev, const struct dev_ctr *a,
		      const struct dev_ctr *b, double el)
{
	if (!dev)
		return;
	if (!a->ok || !b->ok) {
		printf(",\"%s_dev\":\"%s\",\"dev_%s_pps\":null", what, dev, what);
		return;
	}
	printf(",\"%s_dev\":\"%s\",\"dev_%s_packets\":%llu,\"dev_%s_dropped\":%llu",
	       what, dev, what, (unsigned long long)(b->packets - a->packets),
	       what, (unsigned long long)(b->dropped - a->dropped));
	printf(",\"dev_%s_pps\":%.1f", what, (b->packets - a->packets) / el);
}

/* --alt: one side's totals over the measured slices, as JSON. */
static void print_alt_side(int i, const double *secs, const __u64 *sent,
			   const __u64 *recv, const __u64 *errs)
{
	const struct side *s = &sides[i];
	char dst[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->dst, dst, sizeof(dst));
	printf(",\"%c\":{\"dev\":", 'a' + i);
	if (s->dev)
		printf("\"%s\"", s->dev);
	else
		printf("null");
	printf(",\"dst\":\"%s\",\"proto\":%d,\"frame_bytes\":%zu", dst, s->proto,
	       o.mode == MODE_UDP ? FRAME_HDRS + o.size : s->tx_len);
	printf(",\"slices\":%d,\"seconds\":%.4f", npairs, secs[i]);
	printf(",\"sent\":%llu,\"received\":%llu,\"rx_bytes\":%llu",
	       (unsigned long long)sent[i], (unsigned long long)recv[i],
	       (unsigned long long)recv[i] * o.size);
	printf(",\"sock_drops\":%llu,\"tx_errors\":%llu",
	       (unsigned long long)(s->drops[1] - s->drops[0]),
	       (unsigned long long)errs[i]);
	printf(",\"tx_pps\":%.1f,\"rx_pps\":%.1f}", secs[i] > 0 ? sent[i] / secs[i] : 0,
	       secs[i] > 0 ? recv[i] / secs[i] : 0);
}

/* --alt: rate of slice @k, datagrams received per second. */
static double slice_rx_pps(int k)
{
	double el = slices[k].t1 - slices[k].t0;

	return el > 0 ? slice_rx[k] / el : 0;
}

/* Interleaved mode: both sides set up, run the slices, print. */
static int run_alt(void)
{
	double t0, secs[2] = { 0, 0 }, ra, rb, el;
	__u64 sent[2] = { 0, 0 }, recv[2] = { 0, 0 }, errs[2] = { 0, 0 };
	pthread_t tx, rx;
	int err, k, i, p, ret = 0;
	const char *sep = "";

	slices = calloc(nslices, sizeof(*slices));
	slice_rx = calloc(nslices, sizeof(*slice_rx));
	if (!slices || !slice_rx)
		die("out of memory");
	slice_req = 0;
	slice_ack = -1;
	err = pthread_create(&rx, NULL, rx_thread, NULL);
	if (!err)
		err = pthread_create(&tx, NULL, tx_thread, NULL);
	if (err)
		die("pthread_create: %s", strerror(err));

	/*
	 * The main thread keeps off the sender's CPU.  Each slice lasts
	 * --slice from the moment the sender entered it, so none is skipped
	 * or cut short when this thread wakes up late.
	 */
	pin(o.rx_cpu, "main thread");
	for (k = 0; k < nslices; k++) {
		if (k)
			__atomic_store_n(&slice_req, k, __ATOMIC_RELEASE);
		if (k == nwarm)
			for (i = 0; i < 2; i++)
				sides[i].drops[0] = sock_drops(&sides[i]);
		t0 = now();
		while (__atomic_load_n(&slice_ack, __ATOMIC_ACQUIRE) != k) {
			if (now() - t0 > 10)
				die("the sender did not start slice %d within 10 s", k);
			usleep(100);
		}
		sleep_until(slices[k].t0 + o.slice);
	}
	__atomic_store_n(&slice_req, -1, __ATOMIC_RELEASE);
	pthread_join(tx, NULL);
	/* Let the receiver drain what is queued: every datagram has a slice. */
	usleep(200000);
	__atomic_store_n(&stop_rx, 1, __ATOMIC_RELAXED);
	pthread_join(rx, NULL);
	for (i = 0; i < 2; i++)
		sides[i].drops[1] = sock_drops(&sides[i]);

	for (k = nwarm; k < nslices; k++) {
		i = slice_side(k);
		secs[i] += slices[k].t1 - slices[k].t0;
		sent[i] += slices[k].sent;
		recv[i] += slice_rx[k];
		errs[i] += slices[k].tx_errors;
	}
	el = slices[nslices - 1].t1 - slices[nwarm].t0;
	printf("{\"mode\":\"%s\",\"method\":\"interleaved\",\"order\":\"ABBA\"",
	       o.mode == MODE_UDP ? "udp" : "packet");
	printf(",\"size\":%u,\"batch\":%u", o.size, o.batch);
	printf(",\"tx_cpu\":%d,\"rx_cpu\":%d", o.tx_cpu, o.rx_cpu);
	printf(",\"rx_wait\":false,\"rx_nap_us\":%u", o.rx_nap_us);
	printf(",\"slice\":%.3f,\"warmup_slices\":%d,\"warmup\":%.3f,\"pairs\":%d",
	       o.slice, nwarm, nwarm ? slices[nwarm].t0 - slices[0].t0 : 0.0, npairs);
	printf(",\"seconds\":%.3f", el);
	for (i = 0; i < 2; i++)
		print_alt_side(i, secs, sent, recv, errs);
	printf(",\"stray\":%llu,\"crossed\":%llu", (unsigned long long)stray_rx,
	       (unsigned long long)crossed_rx);
	printf(",\"slices\":[");
	for (k = nwarm; k < nslices; k++) {
		el = slices[k].t1 - slices[k].t0;
		printf("%s{\"side\":\"%c\",\"t\":%.4f,\"seconds\":%.4f",
		       sep, 'a' + slice_side(k), slices[k].t0 - slices[nwarm].t0, el);
		printf(",\"sent\":%llu,\"received\":%llu,\"tx_errors\":%llu,\"rx_pps\":%.1f}",
		       (unsigned long long)slices[k].sent, (unsigned long long)slice_rx[k],
		       (unsigned long long)slices[k].tx_errors, slice_rx_pps(k));
		sep = ",";
	}
	/* Each pair: B's rate over A's, whichever ran first. */
	printf("],\"pair_ratios\":[");
	sep = "";
	for (p = 0; p < npairs; p++) {
		k = nwarm + 2 * p;
		if (slice_side(k) == 0) {
			ra = slice_rx_pps(k);
			rb = slice_rx_pps(k + 1);
		} else {
			rb = slice_rx_pps(k);
			ra = slice_rx_pps(k + 1);
		}
		if (ra > 0 && rb > 0) {
			printf("%s%.4f", sep, rb / ra);
		} else {
			printf("%snull", sep);
			ret = 1;
		}
		sep = ",";
	}
	printf("]}\n");
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		if (!recv[i])
			fprintf(stderr, "udp_blast: side %c received nothing\n", 'a' + i);
	}
	if (ret)
		fprintf(stderr, "udp_blast: a measured slice received nothing\n");
	return ret;
}

/* --alt: each side's sockets, each in its own netns. */
static void setup_alt(void)
{
	int home, i;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		die_errno("/proc/self/ns/net");
	for (i = 0; i < 2; i++) {
		struct side *s = &sides[i];

		if (setns(home, CLONE_NEWNET))
			die_errno("setns back to the initial netns");
		enter_netns(s->rx_netns);
		setup_rx(s);
		enter_netns(s->tx_netns);
		if (o.mode == MODE_UDP)
			setup_tx_udp(s);
		else
			setup_tx_packet(s);
	}
	close(home);
}

int main(int argc, char **argv)
{
	struct side *s = &sides[0];
	struct snap a, b, e, z;
	double t0, el;
	pthread_t tx, rx;
	char dst[INET_ADDRSTRLEN];
	int err, lfd = -1;

	parse_args(argc, argv);
	if (nsides == 2) {
		setup_alt();
		return run_alt();
	}

	/* The sockets live in the netns they were created in. */
	enter_netns(s->rx_netns);
	if (o.mode == MODE_TCP)
		lfd = setup_rx_tcp(s);
	else
		setup_rx(s);
	rx_dev_fd = open_dev_stats(o.rx_dev);
	enter_netns(s->tx_netns);
	tx_dev_fd = open_dev_stats(o.tx_dev);
	if (o.mode == MODE_UDP)
		setup_tx_udp(s);
	else if (o.mode == MODE_TCP)
		setup_tx_tcp(s);
	else
		setup_tx_packet(s);
	if (o.mode == MODE_TCP)
		accept_rx_tcp(s, lfd);
	/* (whole-run device counts: from before the first packet) */
	snapshot(&z, true);
	err = pthread_create(&rx, NULL, rx_thread, NULL);
	if (!err)
		err = pthread_create(&tx, NULL, tx_thread, NULL);
	if (err)
		die("pthread_create: %s", strerror(err));

	t0 = now();
	sleep_until(t0 + o.warmup);
	snapshot(&a, true);
	if (o.interval > 0)
		report_intervals(&a.c, a.t);
	sleep_until(a.t + o.seconds);
	snapshot(&b, true);

	/* Stop the sender, let the receiver drain what is queued. */
	__atomic_store_n(&stop_tx, 1, __ATOMIC_RELAXED);
	pthread_join(tx, NULL);
	usleep(200000);
	__atomic_store_n(&stop_rx, 1, __ATOMIC_RELAXED);
	pthread_join(rx, NULL);

	el = b.t - a.t;
	inet_ntop(AF_INET, &s->dst, dst, sizeof(dst));
	printf("{\"mode\":\"%s\",\"dev\":",
	       o.mode == MODE_UDP ? "udp" : o.mode == MODE_TCP ? "tcp" : "packet");
	if (s->dev)
		printf("\"%s\"", s->dev);
	else
		printf("null");
	printf(",\"dst\":\"%s\",\"size\":%u", dst, o.size);
	if (s->proto != IPPROTO_UDP)
		printf(",\"proto\":%d", s->proto);
	if (o.mode != MODE_TCP) {
		printf(",\"frame_bytes\":%zu",
		       o.mode == MODE_UDP ? FRAME_HDRS + o.size : s->tx_len);
		printf(",\"batch\":%u", o.batch);
	}
	printf(",\"tx_cpu\":%d,\"rx_cpu\":%d", o.tx_cpu, o.rx_cpu);
	printf(",\"rx_wait\":%s,\"rx_nap_us\":%u", o.rx_wait ? "true" : "false",
	       o.rx_wait ? 0 : o.rx_nap_us);
	printf(",\"warmup\":%.3f,\"seconds\":%.3f", o.warmup, el);
	printf(",\"sent\":%llu", (unsigned long long)(b.c.sent - a.c.sent));
	printf(",\"received\":%llu", (unsigned long long)(b.c.received - a.c.received));
	printf(",\"rx_bytes\":%llu", (unsigned long long)(b.c.rx_bytes - a.c.rx_bytes));
	printf(",\"sock_drops\":%llu", (unsigned long long)(b.drops - a.drops));
	printf(",\"tx_errors\":%llu", (unsigned long long)(b.c.tx_errors - a.c.tx_errors));
	if (o.mode == MODE_TCP) {
		printf(",\"retrans\":%llu", (unsigned long long)(b.retrans - a.retrans));
		printf(",\"tx_mbps\":%.2f", (b.c.sent - a.c.sent) * 8 / el / 1e6);
	} else {
		printf(",\"tx_pps\":%.1f", (b.c.sent - a.c.sent) / el);
		printf(",\"rx_pps\":%.1f", (b.c.received - a.c.received) / el);
	}
	printf(",\"rx_mbps\":%.2f", (b.c.rx_bytes - a.c.rx_bytes) * 8 / el / 1e6);
	print_dev("tx", o.tx_dev, &a.txd, &b.txd, el);
	print_dev("rx", o.rx_dev, &a.rxd, &b.rxd, el);
	if (o.tx_dev || o.rx_dev) {
		/* From the start to the end of the drain: every count. */
		snapshot(&e, true);
		printf(",\"total\":{\"sent\":%llu,\"received\":%llu",
		       (unsigned long long)(e.c.sent - z.c.sent),
		       (unsigned long long)(e.c.received - z.c.received));
		if (o.tx_dev && z.txd.ok && e.txd.ok)
			printf(",\"dev_tx_packets\":%llu",
			       (unsigned long long)(e.txd.packets - z.txd.packets));
		if (o.rx_dev && z.rxd.ok && e.rxd.ok)
			printf(",\"dev_rx_packets\":%llu",
			       (unsigned long long)(e.rxd.packets - z.rxd.packets));
		printf("}");
	}
	printf("}\n");
	fflush(stdout);

	if (b.c.received == a.c.received) {
		fprintf(stderr, "udp_blast: nothing received in the measured window\n");
		return 1;
	}
	return 0;
}
