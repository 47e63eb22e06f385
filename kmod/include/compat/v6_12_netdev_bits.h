/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.12 turned netdev "features" that were never offloads into bits
 * of struct net_device: NETIF_F_LLTX became dev->lltx.
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

#endif /* KP_COMPAT_V6_12_NETDEV_BITS_H */
