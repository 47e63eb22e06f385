// SPDX-License-Identifier: GPL-2.0
/*
 * kp_udp: data-integrity traffic for the kp_loop selftests.
 *
 *   kp_udp send [-c COUNT] [-s SIZE] [-i IFNAME] [-S SEQ] [-g USEC] [-d] [-e]
 *               [-F FLOWS] DST_IP PORT
 *   kp_udp recv [-c EXPECT] [-t IDLE_MS] [-w FIRST_MS] [-r FILE] [-b ADDR]
 *               [-i IFNAME] PORT
 *   kp_udp inject -i IFNAME [-c COUNT] [-s SIZE] [-S SEQ] [-g USEC]
 *               --src-ip A --dst-ip B [--dst-mac M] [--src-mac M]
 *               [--sport P] PORT
 *   kp_udp tcp-send [-i IFNAME] DST_IP PORT < DATA   (IPv4 or IPv6)
 *   kp_udp tcp-recv [-t IDLE_MS] [-r FILE] PORT > DATA
 *
 * Every UDP payload is a struct kp_hdr followed by a pattern derived from
 * the sequence number; kp_hdr.csum is a 64-bit FNV-1a over the whole
 * payload with the csum field taken as zero.  The receiver checks all of
 * it, counts duplicates by sequence number and prints one line:
 *
 *   received=N unique=N dups=N bad=N min_seq=N max_seq=N bytes=N sockdrops=N
 *
 * (min_seq/max_seq are -1 when nothing valid arrived; sockdrops is what
 * the socket dropped for lack of receive buffer, SO_RXQ_OVFL).  It exits
 * 1 if any payload was bad.  The senders print "sent=N errors=N" and stop
 * at the first error (exit 1) unless -e is given.  "inject" builds whole
 * Ethernet + IPv4 + UDP frames (valid IP and UDP checksums) and sends them
 * on an AF_PACKET socket; it also prints frame_len=N.  The TCP modes copy
 * stdin to the connection and the connection to stdout, like a tiny nc.
 *
 * -r FILE: the file is created once the socket is bound (and listening),
 * so that a test can start a receiver in the background without racing.
 *
 * send -F FLOWS: the datagrams go round-robin over FLOWS sockets, to ports
 * PORT..PORT+FLOWS-1, each socket with its own source port (and its own
 * TX hash): many flows from one process, for multi-queue tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/types.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define KP_MAGIC	0x4b505544u	/* "KPUD" */
#define KP_MAX_PAYLOAD	65507		/* largest UDP payload over IPv4 */
#define KP_MAX_SEQ	0x10000000ull	/* bounds the receiver's seen bitmap */
#define KP_RCVBUF	(64 << 20)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct kp_hdr {
	__u32 magic;
	__u32 len;		/* payload length, this header included */
	__u64 seq;
	__u64 csum;		/* FNV-1a 64 over the payload, csum as 0 */
};				/* copied in and out with memcpy */

static_assert(sizeof(struct kp_hdr) == 24, "struct kp_hdr has padding");

static const char *prog = "kp_udp";

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(2);
}

static void print_usage(void)
{
	fprintf(stderr,
		"Usage: %s send [-c COUNT] [-s SIZE] [-i IFNAME] [-S SEQ] [-g USEC] [-d] [-e] [-F FLOWS] DST_IP PORT\n"
		"       %s recv [-c EXPECT] [-t IDLE_MS] [-w FIRST_MS] [-r FILE] [-b ADDR] [-i IFNAME] PORT\n"
		"       %s inject -i IFNAME [-c COUNT] [-s SIZE] [-S SEQ] [-g USEC]\n"
		"              --src-ip A --dst-ip B [--dst-mac M] [--src-mac M] [--sport P] PORT\n"
		"       %s tcp-send [-i IFNAME] DST_IP PORT < DATA\n"
		"       %s tcp-recv [-t IDLE_MS] [-r FILE] PORT > DATA\n"
		"COUNT 0 means: until an error (send, inject).\n",
		prog, prog, prog, prog, prog);
	exit(2);
}

static unsigned long long parse_num(const char *s, unsigned long long max,
				    const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max || *s == '-') {
		fprintf(stderr, "%s: bad %s '%s'\n", prog, what, s);
		exit(2);
	}
	return v;
}

static struct in_addr parse_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "%s: bad IPv4 address '%s'\n", prog, s);
		exit(2);
	}
	return a;
}

static void parse_mac(const char *s, __u8 mac[ETH_ALEN])
{
	unsigned int b[ETH_ALEN];
	int i;
	char c;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &c) != ETH_ALEN) {
		fprintf(stderr, "%s: bad MAC address '%s'\n", prog, s);
		exit(2);
	}
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff) {
			fprintf(stderr, "%s: bad MAC address '%s'\n", prog, s);
			exit(2);
		}
		mac[i] = b[i];
	}
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void signal_ready(const char *file)
{
	int fd;

	if (!file)
		return;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(file);
	close(fd);
}

static void bind_to_device(int fd, const char *ifname)
{
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname) + 1))
		die("SO_BINDTODEVICE");
}

/* Payload: header, then the pattern of @seq; FNV-1a over all of it. */

static __u64 splitmix64(__u64 *state)
{
	__u64 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill_pattern(__u8 *p, size_t n, __u64 seq)
{
	__u64 state = seq, r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			r = splitmix64(&state);
		p[i] = r >> ((i & 7) * 8);
	}
}

static __u64 fnv1a(const __u8 *p, size_t n)
{
	const size_t skip = offsetof(struct kp_hdr, csum);
	__u64 x = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++) {
		/* the csum field counts as zero */
		__u8 b = (i >= skip && i < skip + sizeof(__u64)) ? 0 : p[i];

		x ^= b;
		x *= 0x100000001b3ull;
	}
	return x;
}

static void build_payload(__u8 *p, size_t len, __u64 seq)
{
	struct kp_hdr h = {
		.magic = htonl(KP_MAGIC),
		.len = htonl(len),
		.seq = htobe64(seq),
	};

	memcpy(p, &h, sizeof(h));
	fill_pattern(p + sizeof(h), len - sizeof(h), seq);
	h.csum = htobe64(fnv1a(p, len));
	memcpy(p, &h, sizeof(h));
}

/* Checks a payload; on success stores its sequence number in @seq. */
static const char *check_payload(const __u8 *p, size_t len, __u64 *seq,
				 __u8 *scratch)
{
	struct kp_hdr h;

	if (len < sizeof(h))
		return "too short";
	memcpy(&h, p, sizeof(h));
	if (ntohl(h.magic) != KP_MAGIC)
		return "bad magic";
	if (ntohl(h.len) != len)
		return "length mismatch";
	if (be64toh(h.csum) != fnv1a(p, len))
		return "checksum mismatch";
	*seq = be64toh(h.seq);
	fill_pattern(scratch, len - sizeof(h), *seq);
	if (memcmp(scratch, p + sizeof(h), len - sizeof(h)))
		return "pattern mismatch";
	if (*seq >= KP_MAX_SEQ)
		return "sequence number out of range";
	return NULL;
}

/* kp_udp send */

static int cmd_send(int argc, char **argv)
{
	unsigned long long count = 1, seq = 0, sent = 0, errors = 0, gap = 0;
	size_t size = 64, flows = 1, f;
	bool df = false, keep_going = false;
	const char *ifname = NULL;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned int port;
	__u8 *buf;
	int *fds, c;

	while ((c = getopt(argc, argv, "c:s:i:S:g:deF:")) != -1) {
		switch (c) {
		case 'c':
			count = parse_num(optarg, ULLONG_MAX, "count");
			break;
		case 's':
			size = parse_num(optarg, KP_MAX_PAYLOAD, "size");
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'S':
			seq = parse_num(optarg, KP_MAX_SEQ - 1, "sequence number");
			break;
		case 'g':
			gap = parse_num(optarg, 10000000, "gap");
			break;
		case 'd':
			df = true;
			break;
		case 'e':
			keep_going = true;
			break;
		case 'F':
			flows = parse_num(optarg, 1024, "flows");
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 2 || size < sizeof(struct kp_hdr) || !flows)
		print_usage();
	dst.sin_addr = parse_ip(argv[optind]);
	port = parse_num(argv[optind + 1], 65535, "port");
	if (port + flows - 1 > 65535)
		print_usage();

	buf = malloc(size);
	fds = calloc(flows, sizeof(*fds));
	if (!buf || !fds)
		die("malloc");
	for (f = 0; f < flows; f++) {
		fds[f] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[f] < 0)
			die("socket");
		bind_to_device(fds[f], ifname);
		if (df) {
			int v = IP_PMTUDISC_DO;

			if (setsockopt(fds[f], IPPROTO_IP, IP_MTU_DISCOVER, &v,
				       sizeof(v)))
				die("IP_MTU_DISCOVER");
		}
	}

	/* Blocking sends: the socket waits for send buffer space. */
	for (f = 0; !count || sent + errors < count; f = (f + 1) % flows) {
		dst.sin_port = htons(port + f);
		build_payload(buf, size, seq);
		if (sendto(fds[f], buf, size, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != (ssize_t)size) {
			fprintf(stderr, "%s: sendto seq %llu: %s\n", prog, seq,
				strerror(errno));
			errors++;
			if (!keep_going)
				break;
		} else {
			sent++;
		}
		seq++;
		if (seq >= KP_MAX_SEQ)
			seq = 0;
		if (gap)
			usleep(gap);
	}
	printf("sent=%llu errors=%llu\n", sent, errors);
	for (f = 0; f < flows; f++)
		close(fds[f]);
	free(fds);
	free(buf);
	return errors && !keep_going ? 1 : 0;
}

/* kp_udp recv */

struct kp_rx {
	unsigned long long received, unique, dups, bad, bytes, sockdrops;
	long long min_seq, max_seq;
	__u8 *seen;		/* bitmap of valid sequence numbers */
	size_t seen_bytes;
};

static bool rx_mark_seen(struct kp_rx *rx, __u64 seq)
{
	size_t byte = seq / 8;
	bool was;

	if (byte >= rx->seen_bytes) {
		size_t n = rx->seen_bytes ? rx->seen_bytes : 4096;
		__u8 *p;

		while (n <= byte)
			n *= 2;
		p = realloc(rx->seen, n);
		if (!p)
			die("realloc");
		memset(p + rx->seen_bytes, 0, n - rx->seen_bytes);
		rx->seen = p;
		rx->seen_bytes = n;
	}
	was = rx->seen[byte] & (1u << (seq % 8));
	rx->seen[byte] |= 1u << (seq % 8);
	return was;
}

static void rx_one(struct kp_rx *rx, const __u8 *p, size_t len,
		   __u8 *scratch)
{
	const char *err;
	__u64 seq;

	rx->received++;
	rx->bytes += len;
	err = check_payload(p, len, &seq, scratch);
	if (err) {
		if (rx->bad++ < 10)
			fprintf(stderr, "%s: bad datagram #%llu (%zu bytes): %s\n",
				prog, rx->received, len, err);
		return;
	}
	if (rx_mark_seen(rx, seq)) {
		rx->dups++;
		return;
	}
	rx->unique++;
	if (rx->min_seq < 0 || (long long)seq < rx->min_seq)
		rx->min_seq = seq;
	if ((long long)seq > rx->max_seq)
		rx->max_seq = seq;
}

/*
 * recv ends EXPECT datagrams in (-c), or IDLE_MS after the last datagram
 * (-t), or FIRST_MS after binding if none came at all (-w, default 30 s:
 * the idle timer starts at the first datagram, so a sender that starts
 * slowly under emulation is waited for).
 */
static int cmd_recv(int argc, char **argv)
{
	unsigned long long expect = 0;
	unsigned int idle_ms = 2000, first_ms = 30000;
	const char *ready = NULL, *ifname = NULL;
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct kp_rx rx = { .min_seq = -1, .max_seq = -1 };
	char cbuf[CMSG_SPACE(sizeof(__u32))];
	__u8 *buf, *scratch;
	__u32 ovfl;
	__u64 last;
	int fd, c, one = 1, rcvbuf = KP_RCVBUF;

	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	while ((c = getopt(argc, argv, "c:t:w:r:b:i:")) != -1) {
		switch (c) {
		case 'c':
			expect = parse_num(optarg, ULLONG_MAX, "count");
			break;
		case 't':
			idle_ms = parse_num(optarg, 3600000, "timeout");
			break;
		case 'w':
			first_ms = parse_num(optarg, 3600000, "first timeout");
			break;
		case 'r':
			ready = optarg;
			break;
		case 'b':
			addr.sin_addr = parse_ip(optarg);
			break;
		case 'i':
			ifname = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 1)
		print_usage();
	addr.sin_port = htons(parse_num(argv[optind], 65535, "port"));

	buf = malloc(KP_MAX_PAYLOAD + 1);
	scratch = malloc(KP_MAX_PAYLOAD + 1);
	if (!buf || !scratch)
		die("malloc");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	/* Big enough that a slow receiver loses nothing; root can force it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)))
		die("SO_RXQ_OVFL");
	bind_to_device(fd, ifname);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind");
	signal_ready(ready);

	last = now_ms();
	while (!expect || rx.received < expect) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct iovec iov = { .iov_base = buf, .iov_len = KP_MAX_PAYLOAD + 1 };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct cmsghdr *cm;
		unsigned int wait_ms = rx.received ? idle_ms : first_ms;
		__u64 now = now_ms();
		ssize_t n;
		int ret;

		if (now - last >= wait_ms)
			break;
		ret = poll(&pfd, 1, wait_ms - (now - last));
		if (ret < 0 && errno != EINTR)
			die("poll");
		if (ret <= 0)
			continue;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvmsg");
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SO_RXQ_OVFL) {
				memcpy(&ovfl, CMSG_DATA(cm), sizeof(ovfl));
				rx.sockdrops = ovfl;
			}
		}
		rx_one(&rx, buf, n, scratch);
		last = now_ms();
	}

	printf("received=%llu unique=%llu dups=%llu bad=%llu ",
	       rx.received, rx.unique, rx.dups, rx.bad);
	printf("min_seq=%lld max_seq=%lld bytes=%llu sockdrops=%llu\n",
	       rx.min_seq, rx.max_seq, rx.bytes, rx.sockdrops);
	close(fd);
	free(rx.seen);
	free(buf);
	free(scratch);
	return rx.bad ? 1 : 0;
}

/* kp_udp inject */

static __u32 csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Ethernet + IPv4 + UDP frame around payload @seq; returns its length. */
static size_t build_frame(__u8 *frame, size_t size, __u64 seq,
			  const __u8 *dmac, const __u8 *smac,
			  struct in_addr src, struct in_addr dst,
			  __u16 sport, __u16 dport)
{
	struct ether_header *eth = (void *)frame;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u16 ulen = sizeof(*udp) + size;
	struct {
		__u32 src, dst;
		__u8 zero, proto;
		__u16 len;
	} pseudo = {
		.src = src.s_addr, .dst = dst.s_addr,
		.proto = IPPROTO_UDP, .len = htons(ulen),
	};
	__u16 sum;

	memcpy(eth->ether_dhost, dmac, ETH_ALEN);
	memcpy(eth->ether_shost, smac, ETH_ALEN);
	eth->ether_type = htons(ETH_P_IP);

	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->tot_len = htons(sizeof(*ip) + ulen);
	ip->id = htons(seq & 0xffff);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));

	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = htons(ulen);
	udp->check = 0;
	build_payload((__u8 *)(udp + 1), size, seq);
	sum = csum_fold(csum_add(csum_add(0, &pseudo, sizeof(pseudo)),
				 udp, ulen));
	udp->check = htons(sum ? sum : 0xffff);

	return sizeof(*eth) + sizeof(*ip) + ulen;
}

static int cmd_inject(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "src-ip", required_argument, NULL, 'A' },
		{ "dst-ip", required_argument, NULL, 'B' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "src-mac", required_argument, NULL, 'N' },
		{ "sport", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long count = 1, seq = 0, sent = 0, gap = 0;
	size_t size = 64, len = 0;
	bool have_src = false, have_dst = false, have_dmac = false;
	bool have_smac = false;
	const char *ifname = NULL;
	__u8 dmac[ETH_ALEN], smac[ETH_ALEN], *buf, *frame;
	struct in_addr src, dst;
	__u16 sport = 40000, dport;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int fd, c, ret = 0;

	while ((c = getopt_long(argc, argv, "i:c:s:S:g:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'c':
			count = parse_num(optarg, ULLONG_MAX, "count");
			break;
		case 's':
			size = parse_num(optarg, KP_MAX_PAYLOAD, "size");
			break;
		case 'S':
			seq = parse_num(optarg, KP_MAX_SEQ - 1, "sequence number");
			break;
		case 'g':
			gap = parse_num(optarg, 10000000, "gap");
			break;
		case 'A':
			src = parse_ip(optarg);
			have_src = true;
			break;
		case 'B':
			dst = parse_ip(optarg);
			have_dst = true;
			break;
		case 'M':
			parse_mac(optarg, dmac);
			have_dmac = true;
			break;
		case 'N':
			parse_mac(optarg, smac);
			have_smac = true;
			break;
		case 'P':
			sport = parse_num(optarg, 65535, "port");
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 1 || !ifname || !have_src || !have_dst ||
	    size < sizeof(struct kp_hdr) || strlen(ifname) >= IFNAMSIZ)
		print_usage();
	dport = parse_num(argv[optind], 65535, "port");

	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0)
		die("socket(AF_PACKET)");
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr))
		die(ifname);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	if (!have_dmac)
		memcpy(dmac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (!have_smac)
		memcpy(smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, dmac, ETH_ALEN);

	/* 2 bytes in, so that the IP header is 4-byte aligned */
	buf = malloc(2 + ETH_HLEN + sizeof(struct iphdr) +
		     sizeof(struct udphdr) + size);
	if (!buf)
		die("malloc");
	frame = buf + 2;

	while (!count || sent < count) {
		len = build_frame(frame, size, seq, dmac, smac, src, dst,
				  sport, dport);
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) != (ssize_t)len) {
			fprintf(stderr, "%s: sendto(%s) seq %llu: %s\n", prog,
				ifname, seq, strerror(errno));
			ret = 1;
			break;
		}
		sent++;
		seq++;
		if (seq >= KP_MAX_SEQ)
			seq = 0;
		if (gap)
			usleep(gap);
	}
	printf("sent=%llu errors=%d frame_len=%zu\n", sent, ret, len);
	close(fd);
	free(buf);
	return ret;
}

/* kp_udp tcp-send / tcp-recv */

static bool write_all(int fd, const __u8 *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= w;
	}
	return true;
}

static void set_timeout(int fd, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO");
}

static int cmd_tcp_send(int argc, char **argv)
{
	struct sockaddr_in6 dst6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long long total = 0;
	struct sockaddr *sa;
	socklen_t salen;
	unsigned int port;
	const char *ifname = NULL;
	static __u8 buf[65536];
	ssize_t n;
	int fd, c;

	while ((c = getopt(argc, argv, "i:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 2)
		print_usage();
	port = parse_num(argv[optind + 1], 65535, "port");
	/* an IPv6 address (it has a ':'), else IPv4 */
	if (strchr(argv[optind], ':')) {
		if (inet_pton(AF_INET6, argv[optind], &dst6.sin6_addr) != 1) {
			fprintf(stderr, "%s: bad IPv6 address '%s'\n", prog,
				argv[optind]);
			exit(2);
		}
		dst6.sin6_port = htons(port);
		sa = (struct sockaddr *)&dst6;
		salen = sizeof(dst6);
	} else {
		dst.sin_addr = parse_ip(argv[optind]);
		dst.sin_port = htons(port);
		sa = (struct sockaddr *)&dst;
		salen = sizeof(dst);
	}

	fd = socket(sa->sa_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	bind_to_device(fd, ifname);
	set_timeout(fd, 30000);
	if (connect(fd, sa, salen))
		die("connect");
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read(stdin)");
		}
		if (!write_all(fd, buf, n))
			die("send");
		total += n;
	}
	/* Wait for the receiver to close: all our data reached it. */
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		die("waiting for the receiver to close");
	printf("sent=%llu\n", total);
	close(fd);
	return 0;
}

static int cmd_tcp_recv(int argc, char **argv)
{
	/* IPv6 and (mapped) IPv4 on one socket, or IPv4 alone where IPv6
	 * is off
	 */
	struct sockaddr_in6 addr6 = { .sin6_family = AF_INET6,
				      .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in addr = { .sin_family = AF_INET };
	unsigned int idle_ms = 10000;
	unsigned long long total = 0;
	const char *ready = NULL;
	static __u8 buf[65536];
	int lfd, fd, c, one = 1;
	struct pollfd pfd;
	ssize_t n;

	while ((c = getopt(argc, argv, "t:r:")) != -1) {
		switch (c) {
		case 't':
			idle_ms = parse_num(optarg, 3600000, "timeout");
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (argc - optind != 1)
		print_usage();
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons(parse_num(argv[optind], 65535, "port"));
	addr6.sin6_port = addr.sin_port;

	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	if (lfd >= 0) {
		int zero = 0;

		if (setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			       sizeof(zero)) ||
		    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
			die("IPV6_V6ONLY/SO_REUSEADDR");
		if (bind(lfd, (struct sockaddr *)&addr6, sizeof(addr6))) {
			/* IPv6 disabled in this netns */
			close(lfd);
			lfd = -1;
		}
	}
	if (lfd < 0) {
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd < 0)
			die("socket");
		if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
			       sizeof(one)))
			die("SO_REUSEADDR");
		if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)))
			die("bind");
	}
	if (listen(lfd, 1))
		die("listen");
	signal_ready(ready);

	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	if (poll(&pfd, 1, idle_ms) != 1) {
		fprintf(stderr, "%s: no connection within %u ms\n", prog,
			idle_ms);
		return 2;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	set_timeout(fd, idle_ms);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recv");
		}
		if (!write_all(STDOUT_FILENO, buf, n))
			die("write(stdout)");
		total += n;
	}
	fprintf(stderr, "received=%llu\n", total);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "send", cmd_send },
		{ "recv", cmd_recv },
		{ "inject", cmd_inject },
		{ "tcp-send", cmd_tcp_send },
		{ "tcp-recv", cmd_tcp_recv },
	};
	size_t i;

	if (argc < 2)
		print_usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	print_usage();
	return 2;
}
