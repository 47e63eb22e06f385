/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kd_common: what the kp_dgram selftests share (kpdgram_api, kpdgram_pair,
 * kp_dg): the generic netlink family "kp_dgram" read and driven with
 * libnl-genl (stats-get, sock-get, config-set; answers with the kernel's
 * own errno), the socket table of /proc/net/kp_dgram{,6}, network
 * namespaces by name or fd, addresses, seeded random payloads, the
 * datagram sizes the integrity tests walk, and the kp_dgram checksum
 * (RFC 768 / RFC 8200 8.1 pseudo-headers) for crafted packets.
 *
 * Functions return 0 or a negative errno unless said otherwise.
 */
#ifndef KD_COMMON_H
#define KD_COMMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <linux/kp_dgram.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* IPv6: 65535 - 8 (the 16-bit length field); IPv4 in the uapi header. */
#define KD_MAX_PAYLOAD6	65527
#define KD_HDR_LEN	8

/* ------------------------------------------------------------------------ */
/* Counters and configuration (stats-get), per netns.                       */

enum kd_counter {
	KD_IN = KP_DGRAM_A_STATS_IN_DATAGRAMS,
	KD_NOPORTS = KP_DGRAM_A_STATS_NO_PORTS,
	KD_INERR = KP_DGRAM_A_STATS_IN_ERRORS,
	KD_CSUMERR = KP_DGRAM_A_STATS_IN_CSUM_ERRORS,
	KD_RCVBUF = KP_DGRAM_A_STATS_RCVBUF_ERRORS,
	KD_OUT = KP_DGRAM_A_STATS_OUT_DATAGRAMS,
	KD_SNDBUF = KP_DGRAM_A_STATS_SNDBUF_ERRORS,
};

/* The counters of one family; has[] says which the kernel sent. */
struct kd_mib {
	bool present;			/* the nest was in the reply */
	bool has[KP_DGRAM_A_STATS_MAX + 1];
	uint64_t v[KP_DGRAM_A_STATS_MAX + 1];
};

struct kd_stats {
	bool has_proto, has_port_unreach;
	int proto;
	int port_unreach;
	struct kd_mib mib4, mib6;
	uint8_t cmd;			/* genlmsghdr.cmd of the reply */
};

/* Names as kpctl prints them ("in_datagrams", ...); NULL for PAD/UNSPEC. */
const char *kd_counter_name(int attr);

/* stats-get in the current netns. */
int kd_stats_get(struct kd_stats *st);

/* config-set port-unreach in the current netns. */
int kd_set_port_unreach(bool on);

/*
 * The kernel's answer to a request, for tests of the error paths: errno
 * and the extack message.
 */
struct kd_nl_answer {
	int error;			/* 0 or -errno */
	char msg[256];			/* extack message, "" if none */
};

/* config-set with the given u8 value of KP_DGRAM_A_NS_PORT_UNREACH (or no
 * attribute at all when @value < 0); the answer in @ans.
 */
int kd_config_set_raw(int value, struct kd_nl_answer *ans);

/* One socket of sock-get's dump. */
struct kd_sock {
	int family;
	uint8_t laddr[16], raddr[16];
	int laddr_len, raddr_len;	/* 0 when absent */
	int lport, rport;		/* -1 when absent */
	bool has_ifindex;
	uint32_t ifindex;
	uint32_t rx_queue, tx_queue, drops, uid;
	bool has_drops;
	uint64_t inode;
};

/* sock-get dump of the current netns into a malloc()ed array. */
int kd_sock_dump(struct kd_sock **socks, int *n);

/* ------------------------------------------------------------------------ */
/* /proc/net/kp_dgram and /proc/net/kp_dgram6 (the format of /proc/net/udp). */

struct kd_proc_sock {
	uint8_t laddr[16], raddr[16];	/* network order */
	int lport, rport;
	int st;
	uint32_t tx_queue, rx_queue;
	uint32_t uid;
	uint64_t inode;
	uint32_t drops;
};

/*
 * Parse /proc/net/kp_dgram (@family AF_INET) or kp_dgram6 into a malloc()ed
 * array; checks the header line.
 */
int kd_proc_read(int family, struct kd_proc_sock **socks, int *n);

/* The entry of the socket with inode @ino, or NULL. */
const struct kd_proc_sock *kd_proc_find(const struct kd_proc_sock *s, int n,
					uint64_t ino);

/* The inode number of socket @fd. */
uint64_t kd_sock_ino(int fd);

/* ------------------------------------------------------------------------ */
/* Addresses.                                                               */

union kd_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* @text (an IPv4 or IPv6 address, by @family) and @port into @a. */
int kd_addr(union kd_addr *a, int family, const char *text, int port);
socklen_t kd_addr_len(int family);
int kd_addr_port(const union kd_addr *a);
/* The address bytes (4 or 16) of @a. */
const void *kd_addr_bytes(const union kd_addr *a);
/* Same family, address and port. */
bool kd_addr_eq(const union kd_addr *a, const union kd_addr *b);
/* "1.2.3.4:5" / "[::1]:5" in @buf. */
const char *kd_addr_str(const union kd_addr *a, char *buf, size_t len);

/* ------------------------------------------------------------------------ */
/* Network namespaces.                                                       */

/* An fd of netns /run/netns/@name ("" or NULL: the current one). */
int kd_netns_open(const char *name);
/* socket(@family, @type, @proto) created in netns @nsfd (-1: current). */
int kd_socket_in(int nsfd, int family, int type, int proto);
/* A new netns with lo up (for exact counters: every counter starts at 0). */
int kd_netns_fresh(void);
/* Bring device @ifname up in the current netns. */
int kd_link_up(const char *ifname);

/* ------------------------------------------------------------------------ */
/* Payloads.                                                                 */

/* @n bytes derived from (@seed, @index). */
void kd_fill(uint8_t *p, size_t n, uint64_t seed, uint64_t index);
/* A random 64-bit seed (getrandom). */
uint64_t kd_random_seed(void);

/*
 * The datagram sizes the integrity tests walk, ascending, without
 * duplicates, into a malloc()ed array: every size 0..2048, a stride up to
 * @max, @max - 1 and @max, and, for a path MTU @mtu and an IP header of
 * @iphdr bytes (20 or 40; IPv6 fragments add 8), each size at which the
 * datagram needs one more fragment, +-1 (the first is MTU - 28 / MTU - 48).
 */
int kd_sizes(int max, int mtu, int iphdr, int **sizes, int *n);

/* ------------------------------------------------------------------------ */
/* Integrity: datagrams from one socket to another, compared byte for byte. */

struct kd_xfer {
	int tx, rx;			/* sender, bound receiver */
	const union kd_addr *dst;	/* rx's address */
	const union kd_addr *src;	/* tx's address, checked on receipt */
	const int *sizes;
	int nsizes;
	uint64_t seed;
	int timeout_ms;			/* per datagram */
	/* results */
	int sent, received;
	uint64_t bytes;
	char err[256];			/* first failure, "" if none */
};

/* Send each size, wait for it, compare; 0 if all arrived intact. */
int kd_xfer_run(struct kd_xfer *x);

/* ------------------------------------------------------------------------ */
/* ICMP destination unreachable, as a raw socket sees it.                    */

struct kd_unreach {
	int type, code;
	int proto;		/* of the quoted packet */
	int sport, dport;	/* of the quoted transport header */
};

/* A raw ICMP (@family AF_INET) or ICMPv6 socket (destination unreachable
 * only) of the current netns; -errno on failure.
 */
int kd_icmp_sock(int family);
/* The next destination unreachable on @fd within @ms ms: 0 or -ETIMEDOUT. */
int kd_icmp_next(int family, int fd, int ms, struct kd_unreach *u);
/* Port unreachable (ICMP 3/3, ICMPv6 1/4)? */
bool kd_unreach_is_port(int family, const struct kd_unreach *u);

/* ------------------------------------------------------------------------ */
/* Checksums of crafted packets.                                            */

/* The kp_dgram checksum of @hdr_and_payload (@len bytes, checksum field as
 * given: 0 to compute one) with the pseudo-header of @family, @saddr,
 * @daddr (4 or 16 bytes, network order), @proto and length @len.  Returns
 * the checksum as it would be put in the header (network order), 0 not
 * mapped to 0xffff.
 */
uint16_t kd_csum(int family, const void *saddr, const void *daddr, int proto,
		 const void *hdr_and_payload, size_t len);

/* The one's complement sum (folded, host order, not complemented) of the
 * pseudo-header alone: what the checksum field holds while the checksum is
 * left to the device (CHECKSUM_PARTIAL).
 */
uint16_t kd_pseudo_sum(int family, const void *saddr, const void *daddr,
		       int proto, size_t len);

/* ------------------------------------------------------------------------ */
/* Misc.                                                                     */

/* "kpath-test: @what" in the kernel log (when /dev/kmsg is writable). */
void kd_kmsg(const char *fmt, ...);
/* Wait until @fd is readable (POLLIN); 1 readable, 0 timeout, -errno. */
int kd_wait_readable(int fd, int timeout_ms);
/* CLOCK_MONOTONIC in microseconds. */
uint64_t kd_now_us(void);
/* The protocol number in use, from stats-get; -errno if unreadable. */
int kd_proto(void);

#endif /* KD_COMMON_H */
