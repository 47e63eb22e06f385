/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.4 moved skb_gso_segment() and the other GSO helpers from
 * <linux/netdevice.h> to a header of their own, <net/gso.h>.
 */
#ifndef KP_COMPAT_V6_4_NET_GSO_H
#define KP_COMPAT_V6_4_NET_GSO_H

#include <linux/netdevice.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#include <net/gso.h>
#endif

#endif /* KP_COMPAT_V6_4_NET_GSO_H */
