/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * kp_loop: a loopback-style net_device, in loop or veth-like pair mode.
 *
 * Two netlink interfaces, both described in Documentation/kp_loop.rst:
 *
 *  - rtnetlink, link kind "kploop": IFLA_INFO_DATA carries IFLA_KPLOOP_*.
 *    On RTM_NEWLINK only IFLA_KPLOOP_PEER is accepted (its payload is a
 *    struct ifinfomsg followed by IFLA_* attributes for the peer, exactly
 *    like VETH_INFO_PEER).  Without it the link is created in loop mode.
 *    RTM_GETLINK reports the mode, the peer and the fault configuration.
 *
 *  - generic netlink, family KP_LOOP_FAMILY_NAME: get/dump devices with
 *    their configuration and statistics, change fault injection and
 *    carrier, and a multicast group for create/delete/change events.
 *    Documentation/netlink/specs/kp_loop.yaml is its YNL spec.
 */
#ifndef _UAPI_LINUX_KP_LOOP_H
#define _UAPI_LINUX_KP_LOOP_H

#define KP_LOOP_LINK_KIND	"kploop"

/* Fault injection rates are in parts per million of frames. */
#define KP_LOOP_PPM_MAX		1000000

/* Largest MTU a kp_loop device accepts (64K, as loopback). */
#define KP_LOOP_MAX_MTU		65536

enum kp_loop_mode {
	KP_LOOP_MODE_LOOP,	/* frames sent come back in on the same device */
	KP_LOOP_MODE_PAIR,	/* frames sent come in on the peer device */
};

/* rtnetlink: attributes nested in IFLA_LINKINFO/IFLA_INFO_DATA */
enum {
	IFLA_KPLOOP_UNSPEC,
	IFLA_KPLOOP_PEER,		/* nest: struct ifinfomsg + IFLA_*; newlink only */
	IFLA_KPLOOP_MODE,		/* u32, enum kp_loop_mode; reported only */
	IFLA_KPLOOP_PEER_IFINDEX,	/* u32; reported only, pair mode */
	IFLA_KPLOOP_CARRIER,		/* u8, administrative carrier; reported only */
	IFLA_KPLOOP_DROP_PPM,		/* u32; reported only */
	IFLA_KPLOOP_CORRUPT_PPM,	/* u32; reported only */
	IFLA_KPLOOP_DUP_PPM,		/* u32; reported only */

	__IFLA_KPLOOP_MAX
};

#define IFLA_KPLOOP_MAX (__IFLA_KPLOOP_MAX - 1)

/* generic netlink */
#define KP_LOOP_FAMILY_NAME	"kp_loop"
#define KP_LOOP_FAMILY_VERSION	1
#define KP_LOOP_MCGRP_EVENTS	"events"

enum {
	KP_LOOP_A_DEV_UNSPEC,
	KP_LOOP_A_DEV_IFINDEX,		/* u32 */
	KP_LOOP_A_DEV_IFNAME,		/* string */
	KP_LOOP_A_DEV_MODE,		/* u32, enum kp_loop_mode */
	KP_LOOP_A_DEV_PEER_IFINDEX,	/* u32, pair mode only */
	KP_LOOP_A_DEV_PEER_NETNSID,	/* s32, peer in another netns only */
	KP_LOOP_A_DEV_CARRIER,		/* u8, administrative carrier 0/1 */
	KP_LOOP_A_DEV_DROP_PPM,		/* u32, 0..KP_LOOP_PPM_MAX */
	KP_LOOP_A_DEV_CORRUPT_PPM,	/* u32, 0..KP_LOOP_PPM_MAX */
	KP_LOOP_A_DEV_DUP_PPM,		/* u32, 0..KP_LOOP_PPM_MAX */
	KP_LOOP_A_DEV_STATS,		/* nest, KP_LOOP_A_STATS_* */
	KP_LOOP_A_DEV_MTU,		/* u32 */
	KP_LOOP_A_DEV_SEED,		/* u64, 0: unseeded */
	KP_LOOP_A_DEV_GE_P_PPM,		/* u32, good -> bad; 0: no bursts */
	KP_LOOP_A_DEV_GE_R_PPM,		/* u32, bad -> good */
	KP_LOOP_A_DEV_GE_BAD_DROP_PPM,	/* u32, loss in the bad state */
	KP_LOOP_A_DEV_GE_GOOD_DROP_PPM,	/* u32, loss in the good state */
	KP_LOOP_A_DEV_PAD,

	__KP_LOOP_A_DEV_MAX
};

#define KP_LOOP_A_DEV_MAX (__KP_LOOP_A_DEV_MAX - 1)

/*
 * Counters, all u64.  Every frame handed to ndo_start_xmit ends up in
 * exactly one of: TX_PACKETS, TX_RUNT_DROPS, TX_CARRIER_DROPS or
 * FAULT_DROPS.  Every frame
 * the device transmitted is then counted on the receiving device (itself in
 * loop mode, the peer in pair mode) as RX_PACKETS or RX_BACKLOG_DROPS.
 */
enum {
	KP_LOOP_A_STATS_UNSPEC,
	KP_LOOP_A_STATS_PAD,
	KP_LOOP_A_STATS_TX_PACKETS,	/* handed to the receiving device */
	KP_LOOP_A_STATS_TX_BYTES,
	KP_LOOP_A_STATS_RX_PACKETS,	/* accepted by netif_rx() */
	KP_LOOP_A_STATS_RX_BYTES,
	KP_LOOP_A_STATS_RX_BACKLOG_DROPS, /* netif_rx() said NET_RX_DROP */
	KP_LOOP_A_STATS_RX_OTHER_DROPS,	/* too big for the MTU, no memory */
	KP_LOOP_A_STATS_TX_CARRIER_DROPS, /* carrier off or peer gone */
	KP_LOOP_A_STATS_FAULT_DROPS,	/* dropped by fault injection */
	KP_LOOP_A_STATS_FAULT_CORRUPTS,	/* one bit flipped by fault injection */
	KP_LOOP_A_STATS_FAULT_DUPS,	/* extra copies made by fault injection */
	KP_LOOP_A_STATS_TX_RUNT_DROPS,	/* shorter than an Ethernet header */

	__KP_LOOP_A_STATS_MAX
};

#define KP_LOOP_A_STATS_MAX (__KP_LOOP_A_STATS_MAX - 1)

enum {
	KP_LOOP_CMD_UNSPEC,
	KP_LOOP_CMD_DEV_GET,		/* do (by ifindex or ifname) / dump */
	KP_LOOP_CMD_DEV_SET,		/* do, CAP_NET_ADMIN in the netns' user ns */
	KP_LOOP_CMD_DEV_ADD_NTF,	/* events: a device was created */
	KP_LOOP_CMD_DEV_DEL_NTF,	/* events: a device is being deleted */
	KP_LOOP_CMD_DEV_CHANGE_NTF,	/* events: its configuration changed */

	__KP_LOOP_CMD_MAX
};

#define KP_LOOP_CMD_MAX (__KP_LOOP_CMD_MAX - 1)

#endif /* _UAPI_LINUX_KP_LOOP_H */
