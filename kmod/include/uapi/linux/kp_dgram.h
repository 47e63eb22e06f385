/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * kp_dgram: a UDP-like datagram transport over IPv4 and IPv6, used through
 * the ordinary socket API:
 *
 *	fd = socket(AF_INET, SOCK_DGRAM, KP_DGRAM_PROTO_DEFAULT);
 *	fd = socket(AF_INET6, SOCK_DGRAM, KP_DGRAM_PROTO_DEFAULT);
 *
 * The IP protocol number is 253 (RFC 3692 experimental) unless the module
 * is loaded with proto=254.  The wire header is struct kp_dgram_hdr; the
 * checksum is mandatory and covers an IPv4 (RFC 768 layout) or IPv6
 * (RFC 8200 section 8.1) pseudo-header, the header and the payload.
 * Documentation/kp_dgram.rst has the whole protocol.
 *
 * The generic netlink family KP_DGRAM_FAMILY_NAME reports the per-netns
 * counters and the socket table of the caller's network namespace, and
 * reads and changes the per-netns configuration.
 * Documentation/netlink/specs/kp_dgram.yaml is its YNL spec.
 */
#ifndef _UAPI_LINUX_KP_DGRAM_H
#define _UAPI_LINUX_KP_DGRAM_H

#include <linux/types.h>

#define KP_DGRAM_PROTO_DEFAULT	253
#define KP_DGRAM_PROTO_ALT	254

/* Wire header: the same layout as UDP's, all fields in network order. */
struct kp_dgram_hdr {
	__be16	source;		/* source port, never 0 */
	__be16	dest;		/* destination port, never 0 */
	__be16	len;		/* header + payload, bytes */
	__sum16	check;		/* mandatory; 0 on the wire is sent as 0xffff */
};

/* Largest payload of one datagram: 65535 - 20 (IPv4) - 8. */
#define KP_DGRAM_MAX_PAYLOAD	65507
/* ... over IPv6, whose payload length does not count its header: 65535 - 8 */
#define KP_DGRAM_MAX_PAYLOAD6	65527

/* generic netlink */
#define KP_DGRAM_FAMILY_NAME	"kp_dgram"
#define KP_DGRAM_FAMILY_VERSION	1

/*
 * Per-netns counters (u64), with the meaning of UDP's SNMP MIB.  Every
 * datagram the protocol handler receives is counted once, as IN_DATAGRAMS
 * (queued to a socket), NO_PORTS (no socket; ICMP port unreachable sent
 * unless disabled) or IN_ERRORS (malformed, bad checksum, or refused by
 * the socket).  As for UDP, IN_CSUM_ERRORS (bad checksum) and
 * RCVBUF_ERRORS (socket receive buffer full) count parts of IN_ERRORS.
 * OUT_DATAGRAMS counts datagrams handed to IP; SNDBUF_ERRORS sends
 * refused for lack of send buffer or dropped by the qdisc (ENOBUFS,
 * EAGAIN).  IPv4 and IPv6 are counted apart, in two nests of the reply.
 */
enum {
	KP_DGRAM_A_STATS_UNSPEC,
	KP_DGRAM_A_STATS_PAD,
	KP_DGRAM_A_STATS_IN_DATAGRAMS,
	KP_DGRAM_A_STATS_NO_PORTS,
	KP_DGRAM_A_STATS_IN_ERRORS,
	KP_DGRAM_A_STATS_IN_CSUM_ERRORS,
	KP_DGRAM_A_STATS_RCVBUF_ERRORS,
	KP_DGRAM_A_STATS_OUT_DATAGRAMS,
	KP_DGRAM_A_STATS_SNDBUF_ERRORS,

	__KP_DGRAM_A_STATS_MAX
};

#define KP_DGRAM_A_STATS_MAX (__KP_DGRAM_A_STATS_MAX - 1)

/* STATS_GET reply (and request: no attributes) */
enum {
	KP_DGRAM_A_NS_UNSPEC,
	KP_DGRAM_A_NS_PROTO,		/* u8, the IP protocol number in use */
	KP_DGRAM_A_NS_STATS4,		/* nest, KP_DGRAM_A_STATS_*: IPv4 */
	KP_DGRAM_A_NS_STATS6,		/* nest, KP_DGRAM_A_STATS_*: IPv6 */
	KP_DGRAM_A_NS_PORT_UNREACH,	/* u8 0/1: send ICMP port unreachable
					 * when no socket matches (default 1)
					 */

	__KP_DGRAM_A_NS_MAX
};

#define KP_DGRAM_A_NS_MAX (__KP_DGRAM_A_NS_MAX - 1)

/*
 * One socket of the caller's netns (SOCK_GET dump).  Addresses are in
 * network order, 4 bytes for AF_INET and 16 for AF_INET6; ports are in
 * host order; the remote address and port are present only on a connected
 * socket, the bound device only when set.
 */
enum {
	KP_DGRAM_A_SOCK_UNSPEC,
	KP_DGRAM_A_SOCK_PAD,
	KP_DGRAM_A_SOCK_FAMILY,		/* u16, AF_INET or AF_INET6 */
	KP_DGRAM_A_SOCK_LOCAL_ADDR,	/* binary, 4 or 16 bytes */
	KP_DGRAM_A_SOCK_LOCAL_PORT,	/* u16 */
	KP_DGRAM_A_SOCK_REMOTE_ADDR,	/* binary, connected only */
	KP_DGRAM_A_SOCK_REMOTE_PORT,	/* u16, connected only */
	KP_DGRAM_A_SOCK_BOUND_IFINDEX,	/* u32, SO_BINDTODEVICE only */
	KP_DGRAM_A_SOCK_RX_QUEUE,	/* u32, bytes charged to the receive buffer */
	KP_DGRAM_A_SOCK_TX_QUEUE,	/* u32, bytes charged to the send buffer */
	KP_DGRAM_A_SOCK_DROPS,		/* u32, datagrams dropped (receive buffer full) */
	KP_DGRAM_A_SOCK_UID,		/* u32, owner as seen from the caller's user ns */
	KP_DGRAM_A_SOCK_INODE,		/* u64, the socket's inode number */

	__KP_DGRAM_A_SOCK_MAX
};

#define KP_DGRAM_A_SOCK_MAX (__KP_DGRAM_A_SOCK_MAX - 1)

enum {
	KP_DGRAM_CMD_UNSPEC,
	KP_DGRAM_CMD_STATS_GET,		/* do: counters and configuration */
	KP_DGRAM_CMD_SOCK_GET,		/* dump: the socket table */
	KP_DGRAM_CMD_CONFIG_SET,	/* do, CAP_NET_ADMIN in the netns' user ns */

	__KP_DGRAM_CMD_MAX
};

#define KP_DGRAM_CMD_MAX (__KP_DGRAM_CMD_MAX - 1)

#endif /* _UAPI_LINUX_KP_DGRAM_H */
