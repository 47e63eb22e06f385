/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.12 turned two netdev "features" that were never offloads into
 * bits of struct net_device: NETIF_F_LLTX became dev->lltx and
 * NETIF_F_NETNS_LOCAL became dev->netns_local, renamed dev->netns_immutable
 * in 6.15 and in the 6.12 stable series (Debian 12's 6.12 has that name).
 */
#ifndef KP_COMPAT_V6_12_NETDEV_BITS_H
#define KP_COMPAT_V6_12_NETDEV_BITS_H

#include <linux/netdevice.h>
#include <linux/version.h>

/* The driver's ndo_start_xmit does its own locking (no netif_tx_lock). */
static inline void kp_netdev_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* The device cannot move to another network namespace. */
static inline void kp_netdev_set_netns_local(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->netns_immutable = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

#endif /* KP_COMPAT_V6_12_NETDEV_BITS_H */
