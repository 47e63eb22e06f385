/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.6 split <net/page_pool.h> into <net/page_pool/types.h> and
 * <net/page_pool/helpers.h> (the old header went away).
 */
#ifndef KP_COMPAT_V6_6_PAGE_POOL_H
#define KP_COMPAT_V6_6_PAGE_POOL_H

#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif

#endif /* KP_COMPAT_V6_6_PAGE_POOL_H */
