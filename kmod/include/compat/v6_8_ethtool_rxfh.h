/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.8 passes get_rxfh/set_rxfh their table, key and hash function
 * in a struct ethtool_rxfh_param (and set_rxfh an extack) instead of as
 * separate arguments.  KP_HAVE_RXFH_PARAM says which form to implement.
 */
#ifndef KP_COMPAT_V6_8_ETHTOOL_RXFH_H
#define KP_COMPAT_V6_8_ETHTOOL_RXFH_H

#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define KP_HAVE_RXFH_PARAM	1
#endif

#endif /* KP_COMPAT_V6_8_ETHTOOL_RXFH_H */
