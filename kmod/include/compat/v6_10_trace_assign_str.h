/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.10 dropped the source argument of the tracepoint helper
 * __assign_str(): the string is taken from the __string() declaration.
 */
#ifndef KP_COMPAT_V6_10_TRACE_ASSIGN_STR_H
#define KP_COMPAT_V6_10_TRACE_ASSIGN_STR_H

#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define kp_assign_str(dst, src) __assign_str(dst)
#else
#define kp_assign_str(dst, src) __assign_str(dst, src)
#endif

#endif /* KP_COMPAT_V6_10_TRACE_ASSIGN_STR_H */
