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
#include <netinet/udp.h>
#include <linux/if_packet.h>
#include <linux/types.h>
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
#define FRAME_HDRS	(ETH_HLEN + sizeof(struct iphdr) + sizeof(struct udphdr))

enum mode { MODE_UDP, MODE_PACKET };

struct opts {
	enum mode mode;
	unsigned int size;
	double seconds;
	double warmup;
	unsigned int batch;
	const char *dev;
	const char *tx_netns;
	const char *rx_netns;
	struct in_addr dst;
	struct in_addr src;
	bool have_dst, have_src;
	__u16 port;
	unsigned char dst_mac[ETH_ALEN];
	bool have_dst_mac;
	int tx_cpu, rx_cpu;
	int proto;		/* of both sockets: 17, UDP, or a look-alike */
	int rcvbuf;
	bool rx_wait;
	unsigned int rx_nap_us;
	double interval;
};

/* Counters: each written by one thread, read by the main thread. */
struct counters {
	__u64 sent;		/* datagrams accepted by sendmmsg() */
	__u64 tx_errors;	/* sendmmsg() calls that failed */
	__u64 received;	/* datagrams returned by recvmmsg() */
	__u64 rx_bytes;	/* their UDP payload bytes */
};

static struct counters ctr;
static int stop_tx, stop_rx;	/* __atomic: set by main, read by the threads */
static int tx_fd = -1, rx_fd = -1;
static struct opts o = {
	.mode = MODE_UDP,
	.size = 64,
	.seconds = 5,
	.warmup = 1,
	.batch = 32,
	.port = 9000,
	.tx_cpu = 1,
	.rx_cpu = 0,
	.proto = IPPROTO_UDP,
	.rcvbuf = 8 << 20,
	.rx_nap_us = 1000,
};

static unsigned char *tx_buf;		/* payload, or a whole frame */
static size_t tx_len;
static struct sockaddr_ll tx_ll;	/* packet mode: where to send */

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
		"Usage: udp_blast [OPTIONS]\n"
		"  -m, --mode udp|packet  udp: connected UDP socket to --dst (default);\n"
		"                         packet: Eth+IPv4+UDP frames on AF_PACKET, --dev\n"
		"  -s, --size BYTES       UDP payload size (default 64)\n"
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
		"      --rcvbuf BYTES     receive buffer, SO_RCVBUFFORCE (default 8 MiB)\n"
		"      --rx-nap US        the receiver drains the socket (MSG_DONTWAIT),\n"
		"                         then sleeps US microseconds (default 1000; 0:\n"
		"                         it spins): the sender never wakes it up\n"
		"      --rx-wait          the receiver blocks in recvmmsg() instead\n"
		"      --interval S       also print the rates every S seconds of the\n"
		"                         window on stderr (one JSON object a line)\n"
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

static void parse_args(int argc, char **argv)
{
	enum { OPT_DST_MAC = 256, OPT_TX_NETNS, OPT_RX_NETNS, OPT_TX_CPU,
	       OPT_RX_CPU, OPT_PROTO, OPT_RCVBUF, OPT_RX_WAIT,
	       OPT_RX_NAP, OPT_INTERVAL };
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "m:s:t:w:b:d:S:p:i:n:h",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "udp")) {
				o.mode = MODE_UDP;
			} else if (!strcmp(optarg, "packet")) {
				o.mode = MODE_PACKET;
			} else {
				fprintf(stderr, "udp_blast: bad mode '%s'\n", optarg);
				exit(2);
			}
			break;
		case 's':
			o.size = parse_ulong(optarg, "size", 1, MAX_SIZE);
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
			parse_addr(optarg, &o.dst);
			o.have_dst = true;
			break;
		case 'S':
			parse_addr(optarg, &o.src);
			o.have_src = true;
			break;
		case 'p':
			o.port = parse_ulong(optarg, "port", 1, 65535);
			break;
		case 'i':
			o.dev = optarg;
			break;
		case OPT_DST_MAC:
			parse_mac(optarg, o.dst_mac);
			o.have_dst_mac = true;
			break;
		case 'n':
			o.tx_netns = optarg;
			o.rx_netns = optarg;
			break;
		case OPT_TX_NETNS:
			o.tx_netns = optarg;
			break;
		case OPT_RX_NETNS:
			o.rx_netns = optarg;
			break;
		case OPT_TX_CPU:
			o.tx_cpu = parse_ulong(optarg, "tx-cpu", 0, CPU_SETSIZE - 1);
			break;
		case OPT_RX_CPU:
			o.rx_cpu = parse_ulong(optarg, "rx-cpu", 0, CPU_SETSIZE - 1);
			break;
		case OPT_PROTO:
			o.proto = parse_ulong(optarg, "proto", 1, 254);
			break;
		case OPT_RCVBUF:
			o.rcvbuf = parse_ulong(optarg, "rcvbuf", 4096, INT32_MAX / 2);
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
	if (!o.have_dst) {
		fprintf(stderr, "udp_blast: --dst is required\n");
		exit(2);
	}
	if (o.mode == MODE_PACKET && (!o.dev || !o.have_src)) {
		fprintf(stderr, "udp_blast: packet mode needs --dev and --src\n");
		exit(2);
	}
	if (o.mode == MODE_PACKET && o.size > ETH_DATA_LEN - 28) {
		fprintf(stderr, "udp_blast: packet mode: --size at most %d (no fragments)\n",
			ETH_DATA_LEN - 28);
		exit(2);
	}
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
static int dgram_socket(const char *who)
{
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, o.proto);
	if (fd < 0)
		die("%s socket (IP protocol %d): %s%s", who, o.proto,
		    strerror(errno),
		    errno == EPROTONOSUPPORT ? " (is its module loaded?)" : "");
	return fd;
}

/*
 * The receiver: a datagram socket of --proto bound to the port, on any
 * local address.
 */
static void setup_rx(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(o.port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct timeval tv = { .tv_usec = 100000 };
	int got;
	socklen_t len = sizeof(got);

	rx_fd = dgram_socket("receiver");
	if (setsockopt(rx_fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof(o.rcvbuf)) &&
	    setsockopt(rx_fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof(o.rcvbuf)))
		die_errno("SO_RCVBUF");
	if (getsockopt(rx_fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0 && got < o.rcvbuf)
		fprintf(stderr, "udp_blast: warning: receive buffer %d < %d bytes\n",
			got, o.rcvbuf);
	/* Wake up now and then to see the stop flag. */
	if (setsockopt(rx_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die_errno("SO_RCVTIMEO");
	if (bind(rx_fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind receiver to port %u: %s", o.port, strerror(errno));
}

static void setup_tx_udp(void)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(o.port),
		.sin_addr = o.dst,
	};

	tx_fd = dgram_socket("sender");
	if (o.have_src) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_addr = o.src,
		};

		if (bind(tx_fd, (struct sockaddr *)&src, sizeof(src)))
			die_errno("bind sender");
	}
	if (connect(tx_fd, (struct sockaddr *)&dst, sizeof(dst)))
		die_errno("connect sender");

	tx_len = o.size;
	tx_buf = calloc(1, tx_len);
	if (!tx_buf)
		die("out of memory");
	memset(tx_buf, 0xa5, tx_len);
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

/*
 * One Ethernet + IPv4 + UDP frame, sent again and again.  With --proto,
 * the IP protocol (and the checksum's pseudo-header) is N: the header and
 * the checksum are UDP's.
 */
static void build_frame(const unsigned char *src_mac)
{
	struct ether_header *eth;
	struct iphdr *ip;
	struct udphdr *udp;
	unsigned char *payload;
	__u32 sum;
	__u16 c;

	tx_len = FRAME_HDRS + o.size;
	tx_buf = calloc(1, tx_len);
	if (!tx_buf)
		die("out of memory");
	eth = (struct ether_header *)tx_buf;
	ip = (struct iphdr *)(tx_buf + ETH_HLEN);
	udp = (struct udphdr *)(ip + 1);
	payload = (unsigned char *)(udp + 1);

	memcpy(eth->ether_dhost, o.dst_mac, ETH_ALEN);
	memcpy(eth->ether_shost, src_mac, ETH_ALEN);
	eth->ether_type = htons(ETHERTYPE_IP);

	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + o.size);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = o.proto;
	ip->saddr = o.src.s_addr;
	ip->daddr = o.dst.s_addr;
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));

	memset(payload, 0xa5, o.size);
	udp->source = htons(o.port);
	udp->dest = htons(o.port);
	udp->len = htons(sizeof(*udp) + o.size);
	/* Pseudo-header, then the UDP header and payload. */
	sum = csum_add(0, &ip->saddr, 8);
	sum += o.proto + sizeof(*udp) + o.size;
	sum = csum_add(sum, udp, sizeof(*udp) + o.size);
	c = csum_fold(sum);
	udp->check = htons(c ? c : 0xffff);
}

static void setup_tx_packet(void)
{
	unsigned char src_mac[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	struct ifreq ifr = {};
	int ifindex;

	tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (tx_fd < 0)
		die_errno("AF_PACKET socket");
	ifindex = if_nametoindex(o.dev);
	if (!ifindex)
		die("device %s: %s", o.dev, strerror(errno));
	if (!o.have_dst_mac) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.dev);
		if (ioctl(tx_fd, SIOCGIFHWADDR, &ifr))
			die("SIOCGIFHWADDR %s: %s", o.dev, strerror(errno));
		memcpy(o.dst_mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	}
	/*
	 * Protocol 0: the socket sends only, it is never registered as a
	 * receive tap (which would add work to every frame).
	 */
	tx_ll.sll_family = AF_PACKET;
	tx_ll.sll_ifindex = ifindex;
	tx_ll.sll_protocol = htons(ETH_P_IP);
	tx_ll.sll_halen = ETH_ALEN;
	memcpy(tx_ll.sll_addr, o.dst_mac, ETH_ALEN);
	build_frame(src_mac);
}

static void pin(int cpu, const char *who)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("cannot run the %s on CPU %d: %s", who, cpu, strerror(errno));
}

static void *tx_thread(void *arg)
{
	static struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov = { .iov_base = tx_buf, .iov_len = tx_len };
	__u64 sent = 0, errors = 0;
	unsigned int i;
	int n;

	pin(o.tx_cpu, "sender");
	for (i = 0; i < o.batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		if (o.mode == MODE_PACKET) {
			msgs[i].msg_hdr.msg_name = &tx_ll;
			msgs[i].msg_hdr.msg_namelen = sizeof(tx_ll);
		}
	}
	while (!__atomic_load_n(&stop_tx, __ATOMIC_RELAXED)) {
		n = sendmmsg(tx_fd, msgs, o.batch, 0);
		if (n > 0) {
			sent += n;
			__atomic_store_n(&ctr.sent, sent, __ATOMIC_RELAXED);
		} else if (n < 0 && (errno == ENOBUFS || errno == EAGAIN ||
				     errno == ECONNREFUSED || errno == EINTR)) {
			/* Transient (a drop on the way, an ICMP error): go on. */
			errors++;
			__atomic_store_n(&ctr.tx_errors, errors, __ATOMIC_RELAXED);
		} else {
			die_errno("sendmmsg");
		}
	}
	return NULL;
}

static void *rx_thread(void *arg)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iovs[MAX_BATCH];
	size_t buf_len = o.size + 1;	/* one more: see a truncation */
	__u64 received = 0, bytes = 0;
	int flags = o.rx_wait ? MSG_WAITFORONE : MSG_DONTWAIT;
	unsigned char *bufs;
	unsigned int i;
	int n;

	pin(o.rx_cpu, "receiver");
	bufs = calloc(o.batch, buf_len);
	if (!bufs)
		die("out of memory");
	for (i = 0; i < o.batch; i++) {
		iovs[i].iov_base = bufs + i * buf_len;
		iovs[i].iov_len = buf_len;
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!__atomic_load_n(&stop_rx, __ATOMIC_RELAXED)) {
		n = recvmmsg(rx_fd, msgs, o.batch, flags, NULL);
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
		__atomic_store_n(&ctr.received, received, __ATOMIC_RELAXED);
		__atomic_store_n(&ctr.rx_bytes, bytes, __ATOMIC_RELAXED);
	}
	free(bufs);
	return NULL;
}

/* Datagrams the kernel dropped at the receiving socket (buffer full). */
static __u64 sock_drops(void)
{
	__u32 mem[SK_MEMINFO_VARS] = {};
	socklen_t len = sizeof(mem);

	if (getsockopt(rx_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) ||
	    len <= SK_MEMINFO_DROPS * sizeof(__u32))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

static void snapshot(struct counters *c, __u64 *drops, double *t)
{
	*t = now();
	c->sent = __atomic_load_n(&ctr.sent, __ATOMIC_RELAXED);
	c->tx_errors = __atomic_load_n(&ctr.tx_errors, __ATOMIC_RELAXED);
	c->received = __atomic_load_n(&ctr.received, __ATOMIC_RELAXED);
	c->rx_bytes = __atomic_load_n(&ctr.rx_bytes, __ATOMIC_RELAXED);
	*drops = sock_drops();
}

/* --interval: the rates over each interval of the window, on stderr. */
static void report_intervals(const struct counters *start, double t_start)
{
	struct counters prev = *start, cur;
	double t_prev = t_start, t, dt;
	__u64 drops;

	while (t_prev + o.interval <= t_start + o.seconds + 0.001) {
		sleep_until(t_prev + o.interval);
		snapshot(&cur, &drops, &t);
		dt = t - t_prev;
		fprintf(stderr, "{\"t\":%.3f,\"tx_pps\":%.1f,\"rx_pps\":%.1f}\n",
			t - t_start, (cur.sent - prev.sent) / dt,
			(cur.received - prev.received) / dt);
		prev = cur;
		t_prev = t;
	}
}

int main(int argc, char **argv)
{
	struct counters a, b;
	__u64 drops_a, drops_b;
	double t0, ta, tb, el;
	pthread_t tx, rx;
	char dst[INET_ADDRSTRLEN];
	int err;

	parse_args(argc, argv);

	/* The sockets live in the netns they were created in. */
	enter_netns(o.rx_netns);
	setup_rx();
	enter_netns(o.tx_netns);
	if (o.mode == MODE_UDP)
		setup_tx_udp();
	else
		setup_tx_packet();

	err = pthread_create(&rx, NULL, rx_thread, NULL);
	if (!err)
		err = pthread_create(&tx, NULL, tx_thread, NULL);
	if (err)
		die("pthread_create: %s", strerror(err));

	t0 = now();
	sleep_until(t0 + o.warmup);
	snapshot(&a, &drops_a, &ta);
	if (o.interval > 0)
		report_intervals(&a, ta);
	sleep_until(ta + o.seconds);
	snapshot(&b, &drops_b, &tb);

	/* Stop the sender, let the receiver drain what is queued. */
	__atomic_store_n(&stop_tx, 1, __ATOMIC_RELAXED);
	pthread_join(tx, NULL);
	usleep(200000);
	__atomic_store_n(&stop_rx, 1, __ATOMIC_RELAXED);
	pthread_join(rx, NULL);

	el = tb - ta;
	inet_ntop(AF_INET, &o.dst, dst, sizeof(dst));
	printf("{\"mode\":\"%s\",\"dev\":", o.mode == MODE_UDP ? "udp" : "packet");
	if (o.dev)
		printf("\"%s\"", o.dev);
	else
		printf("null");
	printf(",\"dst\":\"%s\",\"size\":%u", dst, o.size);
	if (o.proto != IPPROTO_UDP)
		printf(",\"proto\":%d", o.proto);
	printf(",\"frame_bytes\":%zu", o.mode == MODE_UDP ? FRAME_HDRS + o.size : tx_len);
	printf(",\"batch\":%u,\"tx_cpu\":%d,\"rx_cpu\":%d", o.batch, o.tx_cpu, o.rx_cpu);
	printf(",\"rx_wait\":%s,\"rx_nap_us\":%u", o.rx_wait ? "true" : "false",
	       o.rx_wait ? 0 : o.rx_nap_us);
	printf(",\"warmup\":%.3f,\"seconds\":%.3f", o.warmup, el);
	printf(",\"sent\":%llu", (unsigned long long)(b.sent - a.sent));
	printf(",\"received\":%llu", (unsigned long long)(b.received - a.received));
	printf(",\"rx_bytes\":%llu", (unsigned long long)(b.rx_bytes - a.rx_bytes));
	printf(",\"sock_drops\":%llu", (unsigned long long)(drops_b - drops_a));
	printf(",\"tx_errors\":%llu", (unsigned long long)(b.tx_errors - a.tx_errors));
	printf(",\"tx_pps\":%.1f", (b.sent - a.sent) / el);
	printf(",\"rx_pps\":%.1f", (b.received - a.received) / el);
	printf(",\"rx_mbps\":%.2f}\n", (b.rx_bytes - a.rx_bytes) * 8 / el / 1e6);
	fflush(stdout);

	if (b.received == a.received) {
		fprintf(stderr, "udp_blast: nothing received in the measured window\n");
		return 1;
	}
	return 0;
}
