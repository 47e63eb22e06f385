/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Linux 6.5 changed struct proto's ioctl to work on kernel memory: it
 * stores an int through a kernel pointer and sk_ioctl() copies it out;
 * before, it got the user pointer as an unsigned long.
 *
 *	int my_ioctl(struct sock *sk, int cmd, kp_proto_ioctl_arg_t karg)
 *	{
 *		return kp_proto_ioctl_ret(karg, value);
 *	}
 */
#ifndef KP_COMPAT_V6_5_PROTO_IOCTL_H
#define KP_COMPAT_V6_5_PROTO_IOCTL_H

#include <linux/uaccess.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define kp_proto_ioctl_arg_t	int *

static inline int kp_proto_ioctl_ret(int *karg, int val)
{
	*karg = val;
	return 0;
}
#else
#define kp_proto_ioctl_arg_t	unsigned long

static inline int kp_proto_ioctl_ret(unsigned long karg, int val)
{
	return put_user(val, (int __user *)karg);
}
#endif

#endif /* KP_COMPAT_V6_5_PROTO_IOCTL_H */
